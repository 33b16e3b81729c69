namespace ContactCenter.Stores.Redis;

/// <summary>
/// Outcome of one batch that Redis acknowledged: its writes in order, how many were applied and how many were fenced
/// out as stale (Redis already held the same or a newer state for the key), and, per partition touched by the batch,
/// the highest offset of the batch. Every write of this batch and of all earlier batches is in Redis, together with
/// the stage's progress keys, so source offsets up to these (Kafka commit = offset + 1) can be committed.
/// </summary>
/// <remarks>A write Redis refused for itself (the key holds another type: see <see cref="RedisFailures.IsRecordBound"/>)
/// changed nothing and is listed in <see cref="Rejected"/> with the reason; the caller dead-letters it.
/// After a transient error a write may be sent twice; if the first attempt reached Redis, the second counts
/// as stale. The state in Redis is exact either way; only the counters can be off by such retries.</remarks>
public sealed record BatchAcknowledged(IReadOnlyList<AgentStateWrite> Writes, int Applied, int Stale, IReadOnlyDictionary<int, long> HighestOffsetByPartition)
{
    /// <summary>Writes Redis refused (nothing of them was applied), with Redis's reason.</summary>
    public IReadOnlyList<(AgentStateWrite Write, string Reason)> Rejected { get; init; } = [];

    /// <summary>Partitions whose recorded progress was missing or behind what this writer had seen acknowledged before
    /// the batch: Redis lost writes (a restart without persistence, a flush, a promoted replica that lagged).</summary>
    public IReadOnlyCollection<int> Regressed { get; init; } = [];
    /// <summary>Jobs (<see cref="AgentStateWrite.Job"/>) this batch queued; a job already queued before is not counted.</summary>
    public int Enqueued { get; init; }

    /// <summary>The writes Redis applied (in batch order): what changed the state, and so what is published as changes.</summary>
    public IReadOnlyList<AgentStateWrite> AppliedWrites { get; init; } = [];

    /// <summary>From the batch's first send to Redis's last answer, retries included.</summary>
    public TimeSpan Elapsed { get; init; }
}
