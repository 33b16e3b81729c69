using System.CommandLine;

namespace ContactCenter.Cli;

/// <summary>
/// <c>--bootstrap-servers</c> and <c>--redis</c> for the operator verbs (<c>replay</c>, <c>reset</c>, <c>purge-keys</c>):
/// optional on the command line when <c>CC_BOOTSTRAP_SERVERS</c> / <c>CC_REDIS</c> are set, so the commands
/// <c>plan</c> prints run as they are in a shell that points at the cluster.
/// </summary>
internal static class ClusterAddresses
{
    public const string BootstrapVariable = "CC_BOOTSTRAP_SERVERS";
    public const string RedisVariable = "CC_REDIS";

    public static Option<string?> BootstrapOption() =>
        new("--bootstrap-servers") { Description = $"Kafka bootstrap servers (host:port,...); default: ${BootstrapVariable}." };

    public static Option<string?> RedisOption() =>
        new("--redis") { Description = $"Redis endpoint (host:port); default: ${RedisVariable}." };

    /// <summary>The option's value, else the environment variable's; null after saying what is missing.</summary>
    public static string? Resolve(string? given, string variable, string option, TextWriter error, string verb)
    {
        var value = given ?? Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            error.WriteLine($"{verb}: {option} is missing (or set {variable})");
            return null;
        }
        return value;
    }
}
