using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// A key a stage sets once, when it first writes to a Redis, and never deletes: its absence later means Redis lost
/// its data (a restart without persistence, a FLUSHALL, a failover to an empty replica).
/// </summary>
public static class StageEpoch
{
    /// <summary>The epoch key of <paramref name="stage"/>: <c>{prefix}:{stage}</c>.</summary>
    public static RedisKey Key(string prefix, string stage) => $"{prefix}:{stage}";

    /// <summary>True when the epoch key exists.</summary>
    public static Task<bool> ExistsAsync(IDatabase db, RedisKey key) => db.KeyExistsAsync(key);

    /// <summary>Sets the epoch if it is absent (first writer wins); true when this call set it.</summary>
    /// <param name="flags"><see cref="CommandFlags.FireAndForget"/> from a thread that must not wait for Redis.</param>
    public static Task<bool> EnsureAsync(IDatabase db, RedisKey key, CommandFlags flags = CommandFlags.None) =>
        db.StringSetAsync(key, $"{DateTimeOffset.UtcNow:O} {Guid.NewGuid():N}", when: When.NotExists, flags: flags);
}
