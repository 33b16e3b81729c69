using ContactCenter.Stores.Redis;
using ContactCenter.Stores.Snapshots;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// What a tool that fills Redis from outside the state stage (a snapshot load, a replay into a new Redis) leaves behind
/// so that the pods accept it: the stage's epoch, its progress keys raised to what was restored, and a restored mark per
/// partition (<see cref="StageEpoch.MarkRestoredAsync"/>). The next pod then resumes each restored partition after
/// those offsets (replaying only the tail) instead of reporting "Redis lost writes" and rebuilding it.
/// </summary>
internal static class StageRestore
{
    /// <summary>The epoch key of <paramref name="stage"/>.</summary>
    public static RedisKey Epoch(string stage) => StageEpoch.Key(RedisKeyspace.EpochPrefix, stage);

    /// <summary>Redis holds <paramref name="stage"/>'s state of each partition up to its offset (inclusive).</summary>
    public static Task MarkAsync(IDatabase db, string stage, IReadOnlyDictionary<int, long> offsets) =>
        StageEpoch.MarkRestoredAsync(db, Epoch(stage), p => FenceScript.OffsetsKey(RedisKeyspace.OffsetsPrefix, stage, p), offsets);

    /// <summary>Loads a snapshot file of <paramref name="spec"/>'s stage and marks the partitions it covers as restored.</summary>
    public static async Task<RedisSnapshots.LoadResult> LoadSnapshotAsync(IConnectionMultiplexer redis, StateStageSpec spec, string path, CancellationToken ct)
    {
        var loaded = await RedisSnapshots.LoadAsync(redis, spec.Name, spec.KeyPattern, RedisKeyspace.OffsetsPrefix, path, ct, StageUpkeep.For(spec)).ConfigureAwait(false);
        await MarkAsync(redis.GetDatabase(), spec.Name, loaded.Header.Offsets).ConfigureAwait(false);
        return loaded;
    }
}
