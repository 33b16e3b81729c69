using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// Multi-key reads and deletes that also work on a Redis Cluster, where one MGET or DEL may only name keys of one slot:
/// there they become one command per key, pipelined; on one server they stay one command.
/// </summary>
public static class ClusterSafe
{
    /// <summary>The values of <paramref name="keys"/>, in order (Nil for a missing key).</summary>
    public static Task<RedisValue[]> GetAsync(IDatabase db, RedisKey[] keys)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (keys.Length <= 1 || !ClusterSlots.IsCluster(db.Multiplexer))
            return keys.Length == 0 ? Task.FromResult(Array.Empty<RedisValue>()) : db.StringGetAsync(keys);
        return GetEachAsync(db, keys);
    }

    /// <summary>
    /// <see cref="GetAsync"/> for callers that cannot wait asynchronously (a consumer's assignment handler): on a cluster,
    /// one blocking GET per key, each its own round trip.
    /// </summary>
    public static RedisValue[] Get(IDatabase db, RedisKey[] keys)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (keys.Length <= 1 || !ClusterSlots.IsCluster(db.Multiplexer))
            return keys.Length == 0 ? [] : db.StringGet(keys);
        var values = new RedisValue[keys.Length];
        for (var i = 0; i < keys.Length; i++)
            values[i] = db.StringGet(keys[i]);
        return values;
    }

    /// <summary>Deletes <paramref name="keys"/>; returns how many existed.</summary>
    public static async Task<long> DeleteAsync(IDatabase db, RedisKey[] keys, CommandFlags flags = CommandFlags.None)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (keys.Length <= 1 || !ClusterSlots.IsCluster(db.Multiplexer))
            return keys.Length == 0 ? 0 : await db.KeyDeleteAsync(keys, flags).ConfigureAwait(false);
        var batch = db.CreateBatch();
        var deletes = keys.Select(k => batch.KeyDeleteAsync(k, flags)).ToArray();
        batch.Execute();
        var gone = await Task.WhenAll(deletes).ConfigureAwait(false);
        return gone.LongCount(d => d);
    }

    private static async Task<RedisValue[]> GetEachAsync(IDatabase db, RedisKey[] keys)
    {
        var batch = db.CreateBatch();
        var reads = keys.Select(k => batch.StringGetAsync(k)).ToArray();
        batch.Execute();
        return await Task.WhenAll(reads).ConfigureAwait(false);
    }
}
