using ContactCenter.Topology.Events;

namespace ContactCenter.Topology.Aggregation;

/// <summary>What applying one source event did to an aggregate.</summary>
internal enum MergeOutcome
{
    /// <summary>The event was newer than its part: the aggregate changed and must be emitted.</summary>
    Applied,

    /// <summary>The event's version was not newer than its part's: ignored (stale, duplicate or out of order).</summary>
    Stale,
}

/// <summary>
/// The merge rule of the agent-aggregate stage. Per part the highest version wins, whatever order the events
/// arrive in, so the result depends only on the set of events (commutative, idempotent).
/// A DELETED event clears its part's fields but keeps its version as a fence; when the primary part is deleted
/// the aggregate as a whole is deleted (its output is a tombstone).
/// </summary>
internal static class AggregateMerger
{
    public static MergeOutcome Apply(UserAggregate aggregate, string part, EventOp op, DecodedEvent ev)
    {
        var state = aggregate.Find(part);
        if (state is not null && ev.Version <= state.Version)
            return MergeOutcome.Stale;
        state ??= aggregate.GetOrAdd(part);
        state.Version = ev.Version;
        state.Timestamp = ev.Timestamp;
        state.Deleted = op == EventOp.Deleted;
        state.Fields.Clear();
        if (!state.Deleted)
            state.Fields.AddRange(ev.Fields);
        aggregate.Timestamp = ev.Timestamp;
        return MergeOutcome.Applied;
    }
}
