using ContactCenter.Topology.Spec;

namespace ContactCenter.Tests.Support;

/// <summary>A programmatic pipeline spec shaped like the shipped agent topology, with unique topic names per test.</summary>
internal static class TestSpecs
{
    public static readonly FieldMapping[] AgentFields = [new("name", "name"), new("tenantId", "tenant"), new("status", "status"), new("presence", "presence")];
    public static readonly FieldMapping[] FeatureFields = [new("recording", "recording"), new("skills", "skills"), new("channels", "channels")];
    public static readonly FieldMapping[] VoiceFields = [new("extension", "extension"), new("callState", "callState"), new("currentCallId", "currentCallId")];

    /// <summary>A source that maps <paramref name="fields"/>, for decoding events outside a pipeline.</summary>
    public static SourceSpec Source(IReadOnlyList<FieldMapping> fields) => new("test", "test", 1, "test", true, fields);

    public static PipelineSpec Agent(string prefix = "", int partitions = 3) => new(
        "agent-state",
        new AggregateStageSpec(
            "agent-aggregate",
            $"{prefix}cc.agent-aggregate",
            [
                new SourceSpec("agent", $"{prefix}agent", partitions, "agent", true, AgentFields),
                new SourceSpec("user-feature", $"{prefix}user-feature", partitions, "feature", false, FeatureFields),
                new SourceSpec("voice-agent", $"{prefix}voice-agent", partitions, "voice", false, VoiceFields),
            ],
            "agent-aggregate-store",
            $"{prefix}user-aggregate",
            partitions,
            $"{prefix}cc.dead-letter"),
        new StateStageSpec(
            // The stage name keys its progress in Redis (cc:offsets:{stage}:{p}): unique per test, like the topics.
            $"{prefix}agent-state",
            $"{prefix}cc.agent-state",
            $"{prefix}user-aggregate",
            partitions,
            $"{prefix}cc:agent:{{key}}",
            [],
            $"{prefix}cc.dead-letter",
            []));
}
