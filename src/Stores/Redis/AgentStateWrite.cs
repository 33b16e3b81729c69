namespace ContactCenter.Stores.Redis;

/// <summary>
/// One materialized agent-state write: the whole hash for <paramref name="Key"/> as produced by the record at
/// (<paramref name="Partition"/>, <paramref name="Offset"/>). <paramref name="Fields"/> == null means the agent was
/// deleted (tombstone). Field names must not be the internal fence fields (<c>_p</c>, <c>_o</c>, <c>_t</c>, <c>_g</c>, <c>_v</c>).
/// </summary>
/// <param name="Key">Full Redis key of the agent hash, e.g. <c>cc:agent:{agentId}</c>.</param>
/// <param name="Partition">Kafka partition of the record that produced this state (>= 0).</param>
/// <param name="Offset">Kafka offset of that record (>= 0).</param>
/// <param name="Fields">All fields of the new state, or null for a tombstone.</param>
/// <param name="SourceTimestampMs">Event timestamp (Unix ms, >= 0); only used to order writes of one key coming
/// from different partitions (e.g. after a repartition), where offsets are not comparable.</param>
public sealed record AgentStateWrite(string Key, int Partition, long Offset, KeyValuePair<string, string>[]? Fields, long SourceTimestampMs)
{
    /// <summary>Whatever the caller wants back in <see cref="BatchAcknowledged"/> (e.g. the source record); the writer never reads it.</summary>
    public object? Tag { get; init; }

    /// <summary>
    /// A replay's write (<c>contactcenter replay --execute</c>): it also applies over the state written by the very
    /// same record (equal partition and offset), which is how a replay repairs what an earlier topology wrote; it is
    /// still fenced out by anything newer, changes nothing when the hash already holds exactly its fields, and never
    /// moves the stage's progress key (that is the live pods' position).
    /// </summary>
    public bool Replay { get; init; }

    /// <summary>
    /// The per-part versions of the state (<c>agent=5,feature=3,voice=7</c>, <see cref="PartVersionVector"/>), kept beside
    /// the hash in <c>_v</c> (and in the tombstone). Where offsets do not compare (a migration's generations) the fence
    /// applies a newer generation's write only when none of the held state's parts is newer, so a reader never sees a
    /// part go back. Null: the write carries none (the fence then orders generations by source timestamp).
    /// </summary>
    public string? PartVersions { get; init; }

    /// <summary>A job queued in the same atomic step, only when this write is applied, and at most once per job id
    /// (<see cref="FenceScript"/>); null for a plain state write.</summary>
    public Queue.JobToEnqueue? Job { get; init; }

    /// <summary>True when this write deletes the agent.</summary>
    public bool IsTombstone => Fields is null;
}
