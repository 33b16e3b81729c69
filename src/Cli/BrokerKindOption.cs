using System.CommandLine;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Cli;

/// <summary><c>--broker embedded|mock</c> for the verbs that start a local cluster (<c>native</c>, the old name of
/// <c>embedded</c>, is still accepted so existing scripts keep working).</summary>
internal static class BrokerKindOption
{
    public static Option<BrokerKind> Create() => new("--broker")
    {
        Description = "embedded (this repository's Kafka-protocol broker, in this process; default) or mock (librdkafka's mock cluster).",
        DefaultValueFactory = _ => LocalKafka.DefaultKind,
        CustomParser = result => result.Tokens.Single().Value.ToLowerInvariant() switch
        {
            "embedded" or "native" => BrokerKind.Embedded,
            "mock" => BrokerKind.Mock,
            var other => Fail(result, other),
        },
    };

    private static BrokerKind Fail(System.CommandLine.Parsing.ArgumentResult result, string value)
    {
        result.AddError($"--broker must be embedded or mock, not '{value}'");
        return LocalKafka.DefaultKind;
    }
}
