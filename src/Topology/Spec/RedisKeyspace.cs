namespace ContactCenter.Topology.Spec;

/// <summary>The Redis keys the engine keeps for itself, outside any agent's reach (see <see cref="Events.RecordKeyRule"/>).</summary>
public static class RedisKeyspace
{
    /// <summary>Prefix of a stage's progress keys: <c>cc:offsets:{stage}:{partition}</c>.</summary>
    public const string OffsetsPrefix = "cc:offsets";

    /// <summary>Prefix of a stage's epoch key, set once and never deleted: <c>cc:epoch:{stage}</c>. Its absence means Redis
    /// lost its data.</summary>
    public const string EpochPrefix = "cc:epoch";

    /// <summary>Prefix of the pub/sub channel a stage publishes its acknowledged changes on: <c>cc:changes:{stage}</c>.</summary>
    public const string ChangesPrefix = "cc:changes";

    /// <summary>Hash fields the write fence keeps beside an agent's own (partition, offset, timestamp, generation, part
    /// versions): a Redis sink cannot map a field onto them. The Redis side's list is <c>FenceScript.IsFenceField</c>;
    /// a test keeps the two equal.</summary>
    public static readonly IReadOnlyList<string> FenceFields = ["_p", "_o", "_t", "_g", "_v"];
}
