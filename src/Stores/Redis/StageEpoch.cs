using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// A key a stage sets once, when it first writes to a Redis, and never deletes: its absence later means Redis lost
/// its data (a restart without persistence, a FLUSHALL, a failover to an empty replica).
/// </summary>
/// <remarks>
/// A tool that fills a Redis from outside the stage (a snapshot load, a replay into a new instance) records, next to
/// the epoch, up to which offset it restored each partition (<see cref="MarkRestoredAsync"/>). A pod then resumes such a
/// partition after that offset (the live consumer replays the tail through the fence) instead of taking the gap
/// between it and the group's commit for a loss; the mark of a partition is removed once the stage caught up.
/// </remarks>
public static class StageEpoch
{
    /// <summary>The epoch key of <paramref name="stage"/>: <c>{prefix}:{stage}</c>.</summary>
    public static RedisKey Key(string prefix, string stage) => $"{prefix}:{stage}";

    /// <summary>The hash of restored partitions next to <paramref name="epoch"/>: field = partition, value = offset.</summary>
    public static RedisKey RestoredKey(RedisKey epoch) => $"{epoch}:restored";

    /// <summary>True when the epoch key exists.</summary>
    public static Task<bool> ExistsAsync(IDatabase db, RedisKey key) => db.KeyExistsAsync(key);

    /// <summary>Sets the epoch if it is absent (first writer wins); true when this call set it.</summary>
    /// <param name="flags"><see cref="CommandFlags.FireAndForget"/> from a thread that must not wait for Redis.</param>
    public static Task<bool> EnsureAsync(IDatabase db, RedisKey key, CommandFlags flags = CommandFlags.None) =>
        db.StringSetAsync(key, $"{DateTimeOffset.UtcNow:O} {Guid.NewGuid():N}", when: When.NotExists, flags: flags);

    /// <summary>
    /// Records that Redis holds the stage's state of each partition up to the given offset because a tool restored it:
    /// raises the partition's progress key (<paramref name="offsetsKey"/>) and its restored mark to that offset, never
    /// lowering either, and sets the epoch when absent, so that the next pod resumes after those offsets without a rebuild.
    /// </summary>
    public static async Task MarkRestoredAsync(IDatabase db, RedisKey epoch, Func<int, RedisKey> offsetsKey, IReadOnlyDictionary<int, long> offsets)
    {
        // One key per call: on a Redis Cluster the progress key and the restored hash live in different slots. Both
        // only ever move up, and the progress first, so a crash in between leaves nothing a pod would misread.
        foreach (var (partition, offset) in offsets)
        {
            await db.ScriptEvaluateAsync(RaiseValue, [offsetsKey(partition)], [offset]).ConfigureAwait(false);
            await db.ScriptEvaluateAsync(RaiseField, [RestoredKey(epoch)], [partition, offset]).ConfigureAwait(false);
        }
        await EnsureAsync(db, epoch).ConfigureAwait(false);
    }

    /// <summary>Per partition, the offset a tool restored it to (empty when none is marked).</summary>
    public static IReadOnlyDictionary<int, long> ReadRestored(IDatabase db, RedisKey epoch) =>
        db.HashGetAll(RestoredKey(epoch))
            .Where(e => int.TryParse((string?)e.Name, out _) && long.TryParse((string?)e.Value, out _))
            .ToDictionary(e => int.Parse((string)e.Name!), e => long.Parse((string)e.Value!));

    /// <summary>Forgets the mark of <paramref name="partition"/> (the stage caught up past it).</summary>
    public static void ClearRestored(IDatabase db, RedisKey epoch, int partition) =>
        db.HashDelete(RestoredKey(epoch), partition, CommandFlags.FireAndForget);

    // KEYS: progress key; ARGV: offset. Only moves up.
    private const string RaiseValue = """
        local offset = tonumber(ARGV[1])
        local progress = tonumber(redis.call('GET', KEYS[1]))
        if progress == nil or progress < offset then redis.call('SET', KEYS[1], ARGV[1]) end
        return 0
        """;

    // KEYS: restored hash; ARGV: partition, offset. Only moves up.
    private const string RaiseField = """
        local offset = tonumber(ARGV[2])
        local mark = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
        if mark == nil or mark < offset then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
        return 0
        """;
}
