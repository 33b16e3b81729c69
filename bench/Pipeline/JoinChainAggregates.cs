using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// The value joiners of the replaced design's join chain: the primary table's event starts an aggregate, each joined
/// table adds its event as one part. The values are the same aggregates (wire format and merge rule) the engine
/// emits, so both designs hand the same records to the same state rule and must end with the same Redis hashes.
/// </summary>
internal sealed class JoinChainAggregates(RecordLimits limits)
{
    /// <summary>First join: the primary part's event and, when present, the second table's event.</summary>
    public byte[] Start(byte[] primaryEvent, SourceSpec primary, byte[]? otherEvent, SourceSpec other)
    {
        var first = Decode(primaryEvent, primary);
        var aggregate = new UserAggregate(first.AgentId ?? throw new InvalidOperationException($"{primary.Name} event without {primary.KeyField}"));
        AggregateMerger.Apply(aggregate, primary.Part, EventOp.Updated, first);
        if (otherEvent is not null)
            AggregateMerger.Apply(aggregate, other.Part, EventOp.Updated, Decode(otherEvent, other));
        return Encode(aggregate);
    }

    /// <summary>Every later join: one more part, when the table holds an event for the key.</summary>
    public byte[] Add(byte[] aggregateBytes, byte[]? partEvent, SourceSpec source)
    {
        var aggregate = AggregateCodec.Decode(aggregateBytes);
        if (partEvent is not null)
            AggregateMerger.Apply(aggregate, source.Part, EventOp.Updated, Decode(partEvent, source));
        return Encode(aggregate);
    }

    private DecodedEvent Decode(byte[] json, SourceSpec source) =>
        SourceEventDecoder.TryDecode(json, source, limits, out var decoded, out var error)
            ? decoded
            : throw new InvalidOperationException($"{source.Name}: {error}");

    private static byte[] Encode(UserAggregate aggregate)
    {
        // The aggregate's time is its newest part's (the event that triggered the join), as in the engine's merge.
        aggregate.Timestamp = aggregate.Parts.Max(p => p.Timestamp);
        return AggregateCodec.Encode(aggregate);
    }
}
