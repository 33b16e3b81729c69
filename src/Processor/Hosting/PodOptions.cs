using ContactCenter.Processor.Feed;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// Everything a pod (<c>contactcenter run</c>) is configured with, bound from the configuration section <c>CC</c>
/// semantics: <c>appsettings.json</c> (keys at the top level), then environment variables <c>CC__Section__Key</c>, then
/// command-line flags. Defaults are the values below. Secrets (passwords) may be given as files (<c>...File</c>), as
/// Kubernetes mounts them, and are never printed.
/// </summary>
internal sealed class PodOptions
{
    /// <summary>Topology file to run (in Kubernetes: a ConfigMap mounted as a file).</summary>
    public string Topology { get; set; } = "topologies/agent-state.yaml";

    /// <summary>Which stages this pod runs: All, Aggregate or State.</summary>
    public PipelineHost.Stages Stages { get; set; } = PipelineHost.Stages.All;

    /// <summary>Aggregate store kind.</summary>
    public StoreKind Store { get; set; } = StoreKind.Faster;

    /// <summary>Local state (stores, checkpoints); default: a folder per topology under the temp directory.</summary>
    public string? StateDir { get; set; }

    /// <summary>Create missing topics through the Admin API.</summary>
    public bool CreateTopics { get; set; } = true;

    public KafkaOptions Kafka { get; set; } = new();

    public RedisOptions Redis { get; set; } = new();

    public HttpOptions Http { get; set; } = new();

    public ShutdownOptions Shutdown { get; set; } = new();

    public ReadinessOptions Readiness { get; set; } = new();

    public SnapshotOptions Snapshots { get; set; } = new();

    /// <summary>The worker pools draining the topology's queues (<c>--stages Workers</c> runs only them).</summary>
    public Workers.WorkerOptions Workers { get; set; } = new();

    /// <summary>The agent feed (<c>/agents/stream</c>).</summary>
    public FeedOptions Feed { get; set; } = new();

    /// <summary>What is wrong with these options, one line each (empty when they can run).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Kafka.BootstrapServers)) problems.Add("Kafka:BootstrapServers (--bootstrap-servers, CC__Kafka__BootstrapServers) is required");
        if (string.IsNullOrWhiteSpace(Redis.Endpoint)) problems.Add("Redis:Endpoint (--redis, CC__Redis__Endpoint) is required");
        if (Http.Port is < 0 or > 65535) problems.Add($"Http:Port must be 0..65535 (0 = no endpoints), not {Http.Port}");
        if (Shutdown.GracePeriod <= TimeSpan.Zero) problems.Add("Shutdown:GracePeriod must be positive");
        if (Readiness.MaxLag < 0) problems.Add("Readiness:MaxLag must not be negative");
        if (Readiness.RedisPingTimeout <= TimeSpan.Zero) problems.Add("Readiness:RedisPingTimeout must be positive");
        if (Feed.ClientBuffer < 1 || Feed.MaxClients < 1 || Feed.Heartbeat <= TimeSpan.Zero)
            problems.Add("Feed:ClientBuffer and Feed:MaxClients must be at least 1 and Feed:Heartbeat positive");
        if (Kafka.SaslPassword is not null && Kafka.SaslPasswordFile is not null) problems.Add("give Kafka:SaslPassword or Kafka:SaslPasswordFile, not both");
        if (Redis.Password is not null && Redis.PasswordFile is not null) problems.Add("give Redis:Password or Redis:PasswordFile, not both");
        problems.AddRange(Workers.Problems());
        foreach (var (key, file) in new[] { ("Kafka:SaslPasswordFile", Kafka.SaslPasswordFile), ("Kafka:SslCaLocation", Kafka.SslCaLocation), ("Redis:PasswordFile", Redis.PasswordFile), ("Redis:CaFile", Redis.CaFile) })
        {
            if (file is not null && !File.Exists(file)) problems.Add($"{key}: file {file} does not exist");
        }
        return problems;
    }
}

internal sealed class KafkaOptions
{
    public string BootstrapServers { get; set; } = "";

    /// <summary>plaintext, ssl, sasl_plaintext or sasl_ssl (librdkafka's security.protocol).</summary>
    public string? SecurityProtocol { get; set; }

    /// <summary>PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (librdkafka's sasl.mechanism).</summary>
    public string? SaslMechanism { get; set; }

    public string? SaslUsername { get; set; }

    public string? SaslPassword { get; set; }

    /// <summary>A file holding the SASL password (e.g. a mounted Kubernetes secret); trailing newlines are ignored.</summary>
    public string? SaslPasswordFile { get; set; }

    /// <summary>PEM file of the CA that signed the brokers' certificates (ssl.ca.location).</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>Static membership (group.instance.id) for the state stage's consumer: a restarted pod with the same id
    /// gets its partitions back without a rebalance. Empty: dynamic membership.</summary>
    public string? GroupInstanceId { get; set; }

    /// <summary>What this process's clients call themselves (<c>client.id</c> = this plus the stage or tool); default: the
    /// pod's name (<c>HOSTNAME</c>).</summary>
    public string? ClientId { get; set; }

    /// <summary>
    /// The settings every Kafka client of this process is built from. Throws <see cref="FormatException"/> for a
    /// misspelt security protocol or mechanism, and reads the password file, so call it once at start.
    /// </summary>
    public KafkaClientSettings ToClientSettings(string? clientId = null)
    {
        var security = new KafkaSecurity(SecurityProtocol, SaslMechanism, SaslUsername, SecretFiles.Resolve(SaslPassword, SaslPasswordFile), SslCaLocation);
        security.Apply(new Confluent.Kafka.ClientConfig()); // spelling errors now, not in a stage
        var settings = new KafkaClientSettings(BootstrapServers) { Security = security };
        var id = clientId ?? ClientId;
        return string.IsNullOrWhiteSpace(id) ? settings : settings with { ClientId = id };
    }
}

internal sealed class RedisOptions
{
    /// <summary>host:port (or any StackExchange.Redis configuration string without secrets); a Redis Cluster's seed nodes
    /// (<c>h1:p1,h2:p2</c>); with <see cref="ServiceName"/>, the sentinels.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>The Sentinel service (<c>sentinel monitor NAME ...</c>): <see cref="Endpoint"/> lists the sentinels and the
    /// connection follows whichever server they name primary.</summary>
    public string? ServiceName { get; set; }

    /// <summary>ACL user (Redis 6+); empty: the default user.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>A file holding the password; trailing newlines are ignored.</summary>
    public string? PasswordFile { get; set; }

    public bool Tls { get; set; }

    /// <summary>PEM file of the CA that signed the server's certificate (TLS only); default: the system's trust store.</summary>
    public string? CaFile { get; set; }

    /// <summary>Connects with the configured user, password (value or file) and TLS; the password is never logged. Does
    /// not wait for the server (a pod keeps reconnecting); tools check reachability with
    /// <see cref="Operations.Reachability.ConnectRedisAsync"/>.</summary>
    public Task<StackExchange.Redis.IConnectionMultiplexer> ConnectAsync()
    {
        var password = SecretFiles.Resolve(Password, PasswordFile);
        return Stores.Redis.RedisConnector.ConnectAsync(Endpoint, options =>
        {
            if (!string.IsNullOrEmpty(ServiceName)) options.ServiceName = ServiceName;
            if (!string.IsNullOrEmpty(User)) options.User = User;
            if (password is not null) options.Password = password;
            if (Tls) options.Ssl = true;
            if (CaFile is not null) options.TrustIssuer(CaFile);
        });
    }

    /// <summary>For logs: endpoint, user, whether a password is set, TLS; never the password.</summary>
    public override string ToString() =>
        $"{Endpoint} (user {User ?? "default"}, password {(Password is not null || PasswordFile is not null ? "set" : "none")}, TLS {Tls})";
}

internal sealed class HttpOptions
{
    /// <summary>Port of /healthz, /readyz and /metrics on every interface; 0 serves no endpoints.</summary>
    public int Port { get; set; } = 8080;
}

internal sealed class ShutdownOptions
{
    /// <summary>How long a stop (SIGTERM) may take: the stages drain (Redis writes flushed, offsets committed) within it.
    /// Keep it under Kubernetes' terminationGracePeriodSeconds.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(25);
}

internal sealed class SnapshotOptions
{
    /// <summary>Snapshot files of the state stage: the newest is loaded when Redis is found empty (then only the tail is replayed).</summary>
    public string? Directory { get; set; }

    /// <summary>Write a snapshot to <see cref="Directory"/> this often, keeping the newest three; null writes none.</summary>
    public TimeSpan? Every { get; set; }
}

internal sealed class ReadinessOptions
{
    /// <summary>Not ready while any partition this pod owns lags more records than this behind its log end.</summary>
    public long MaxLag { get; set; } = 10_000;

    /// <summary>Time allowed for the readiness probe's Redis PING.</summary>
    public TimeSpan RedisPingTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often consumer lag is read from the cluster (committed offsets against log ends).</summary>
    public TimeSpan LagInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Not ready once the cluster has not answered (the lag monitor's reads) for longer than this.</summary>
    public TimeSpan BrokerUnreachableAfter { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Reads secrets given as files: the file's text without trailing line breaks.</summary>
internal static class SecretFiles
{
    public static string? Resolve(string? value, string? file) =>
        value ?? (file is null ? null : File.ReadAllText(file).TrimEnd('\r', '\n'));
}
