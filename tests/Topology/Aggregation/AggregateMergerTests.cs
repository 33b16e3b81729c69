using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;

namespace ContactCenter.Tests.Topology.Aggregation;

[Trait("Kind", "Unit")]
public class AggregateMergerTests
{
    private static DecodedEvent Decode(ISourceEvent ev, IReadOnlyList<ContactCenter.Topology.Spec.FieldMapping> mapping)
    {
        Assert.True(SourceEventDecoder.TryDecode(EventSerde.Serialize(ev), TestSpecs.Source(mapping), ContactCenter.Topology.Spec.RecordLimits.Default, out var decoded, out var error), error);
        return decoded;
    }

    [Fact]
    public void Deleting_the_primary_part_deletes_the_aggregate_and_a_newer_create_revives_it()
    {
        var aggregate = new UserAggregate("a1");
        AggregateMerger.Apply(aggregate, "agent", EventOp.Created, Decode(new AgentEvent("a1", 1, 1, "Ann", "acme", "logged-in", "available"), TestSpecs.AgentFields));
        AggregateMerger.Apply(aggregate, "voice", EventOp.Created, Decode(new VoiceAgentEvent("a1", 1, 1, "1001", "idle", null), TestSpecs.VoiceFields));
        Assert.False(aggregate.IsDeleted("agent"));

        AggregateMerger.Apply(aggregate, "agent", EventOp.Deleted, Decode(new AgentEvent("a1", 2, 2, "Ann", "acme", "deleted", "offline"), TestSpecs.AgentFields));
        Assert.True(aggregate.IsDeleted("agent"));
        Assert.DoesNotContain(aggregate.LiveFields(), f => f.Key == "name");

        var stale = AggregateMerger.Apply(aggregate, "agent", EventOp.Updated, Decode(new AgentEvent("a1", 1, 3, "Old", "acme", "logged-in", "busy"), TestSpecs.AgentFields));
        Assert.Equal(MergeOutcome.Stale, stale);
        Assert.True(aggregate.IsDeleted("agent"));

        AggregateMerger.Apply(aggregate, "agent", EventOp.Created, Decode(new AgentEvent("a1", 3, 4, "Ann B", "acme", "logged-in", "available"), TestSpecs.AgentFields));
        Assert.False(aggregate.IsDeleted("agent"));
        Assert.Contains(aggregate.LiveFields(), f => f is { Key: "name", Value: "Ann B" });
        Assert.Contains(aggregate.LiveFields(), f => f is { Key: "extension", Value: "1001" });
    }

    [Fact]
    public void Decoder_maps_fields_and_keeps_arrays_as_json()
    {
        var decoded = Decode(new UserFeatureEvent("a1", 7, 70, true, ["sales", "vip"], ["voice"]), TestSpecs.FeatureFields);
        Assert.Equal(7, decoded.Version);
        Assert.Equal(70, decoded.Timestamp);
        Assert.Equal("a1", decoded.AgentId);
        Assert.Contains(decoded.Fields, f => f is { Key: "recording", Value: "true" });
        Assert.Contains(decoded.Fields, f => f is { Key: "skills", Value: "[\"sales\",\"vip\"]" });
    }

    [Theory]
    [InlineData("", "malformed JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"name\":\"x\"}", "missing field 'version'")]
    [InlineData("{\"version\":\"7\"}", "'version' must be a non-negative integer")]
    [InlineData("{\"version\":1,\"name\":", "malformed JSON")]
    public void Decoder_rejects_bad_input_with_a_reason(string json, string reason)
    {
        Assert.False(SourceEventDecoder.TryDecode(System.Text.Encoding.UTF8.GetBytes(json), TestSpecs.Source(TestSpecs.AgentFields), ContactCenter.Topology.Spec.RecordLimits.Default, out _, out var error));
        Assert.Contains(reason, error);
    }
}
