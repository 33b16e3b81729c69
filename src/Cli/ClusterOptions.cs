using System.CommandLine;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Operations;
using StackExchange.Redis;

namespace ContactCenter.Cli;

/// <summary>
/// <c>--config</c>, <c>--bootstrap-servers</c> and <c>--redis</c> for every verb that talks to Kafka or Redis, read
/// through the pod's one configuration path (<see cref="PodConfiguration"/>): <c>appsettings.json</c> (or
/// <c>--config FILE</c>), then environment variables <c>CC__Section__Key</c> (<c>CC__Kafka__BootstrapServers</c>,
/// <c>CC__Kafka__SecurityProtocol</c>, <c>CC__Redis__Endpoint</c>, <c>CC__Redis__PasswordFile</c>, ...), then the flags.
/// So an operator's tools connect exactly as the pods do, security included.
/// </summary>
internal sealed class ClusterOptions
{
    private readonly Option<string?> _config = new("--config") { Description = "JSON settings file, as the pods read it (default: appsettings.json in the working directory, when present)." };
    private readonly Option<string?>? _bootstrap;
    private readonly Option<string?>? _redis;
    private readonly string _verb;

    private ClusterOptions(string verb, bool kafka, bool redis)
    {
        _verb = verb;
        if (kafka) _bootstrap = new("--bootstrap-servers") { Description = "Kafka bootstrap servers host:port,... (Kafka:BootstrapServers, CC__Kafka__BootstrapServers)." };
        if (redis) _redis = new("--redis") { Description = "Redis endpoint host:port (Redis:Endpoint, CC__Redis__Endpoint)." };
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public static ClusterOptions AddTo(Command command, bool kafka, bool redis)
    {
        var options = new ClusterOptions(command.Name, kafka, redis);
        command.Options.Add(options._config);
        if (options._bootstrap is not null) command.Options.Add(options._bootstrap);
        if (options._redis is not null) command.Options.Add(options._redis);
        return options;
    }

    /// <summary>The bound settings; null after printing one line per problem (a missing address, a bad file).</summary>
    public PodOptions? Bind(ParseResult parse, TextWriter error)
    {
        var flags = new Dictionary<string, string?>();
        if (_bootstrap is not null && parse.GetValue(_bootstrap) is { } bootstrap) flags["Kafka:BootstrapServers"] = bootstrap;
        if (_redis is not null && parse.GetValue(_redis) is { } redis) flags["Redis:Endpoint"] = redis;
        PodOptions options;
        try
        {
            options = PodConfiguration.Bind(parse.GetValue(_config), Environment.GetEnvironmentVariables(), flags);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or FileNotFoundException or InvalidDataException)
        {
            error.WriteLine($"{_verb}: configuration: {e.Message}");
            return null;
        }
        var missing = new List<string>();
        if (_bootstrap is not null && string.IsNullOrWhiteSpace(options.Kafka.BootstrapServers))
            missing.Add("--bootstrap-servers is missing (or Kafka:BootstrapServers in --config, or CC__Kafka__BootstrapServers)");
        if (_redis is not null && string.IsNullOrWhiteSpace(options.Redis.Endpoint))
            missing.Add("--redis is missing (or Redis:Endpoint in --config, or CC__Redis__Endpoint)");
        foreach (var (key, file) in new[] { ("Kafka:SaslPasswordFile", options.Kafka.SaslPasswordFile), ("Kafka:SslCaLocation", options.Kafka.SslCaLocation), ("Redis:PasswordFile", options.Redis.PasswordFile), ("Redis:CaFile", options.Redis.CaFile) })
        {
            if (file is not null && !File.Exists(file)) missing.Add($"{key}: file {file} does not exist");
        }
        foreach (var line in missing) error.WriteLine($"{_verb}: {line}");
        return missing.Count == 0 ? options : null;
    }

    /// <summary>Kafka client settings of a tool: the pod's settings, with the tool's name as client id.</summary>
    public KafkaClientSettings Kafka(PodOptions options) => options.Kafka.ToClientSettings(options.Kafka.ClientId ?? $"contactcenter-{_verb}");

    /// <summary>Checks that Kafka answers (bounded, quiet); throws <see cref="UnreachableException"/> with one line.</summary>
    public static Task EnsureKafkaAsync(KafkaClientSettings kafka, CancellationToken ct) => Reachability.EnsureKafkaAsync(kafka, Reachability.DefaultTimeout, ct);

    /// <summary>Connects to Redis and checks that it answers (bounded); throws <see cref="UnreachableException"/> with one line.</summary>
    public static Task<IConnectionMultiplexer> ConnectRedisAsync(PodOptions options, CancellationToken ct) =>
        Reachability.ConnectRedisAsync(options.Redis, Reachability.DefaultTimeout, ct);
}
