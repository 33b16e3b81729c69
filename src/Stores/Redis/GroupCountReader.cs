using System.Globalization;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// Reads a grouped count (<see cref="GroupCount"/>) as one table, group to number of agents. On one server that is the
/// count's hash; on a Redis Cluster the sum of its shards, one per hash slot (<see cref="GroupCount.ShardKey"/>), read
/// in one pipelined round over every slot: the cost does not grow with the number of agents.
/// </summary>
public static class GroupCountReader
{
    public static async Task<IReadOnlyDictionary<string, long>> ReadAsync(IConnectionMultiplexer redis, GroupCount count, bool? clustered = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(count);
        var db = redis.GetDatabase();
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!(clustered ?? ClusterSlots.IsCluster(redis)))
        {
            Add(totals, await db.HashGetAllAsync(count.Key).ConfigureAwait(false));
            return totals;
        }
        var batch = db.CreateBatch();
        var shards = new Task<HashEntry[]>[ClusterSlots.Count];
        for (var slot = 0; slot < shards.Length; slot++)
            shards[slot] = batch.HashGetAllAsync(count.ShardKey(slot));
        batch.Execute();
        foreach (var shard in shards)
            Add(totals, await shard.ConfigureAwait(false));
        return totals;
    }

    private static void Add(Dictionary<string, long> totals, HashEntry[] entries)
    {
        foreach (var entry in entries)
        {
            if (long.TryParse((string?)entry.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n != 0)
                totals[entry.Name!] = totals.GetValueOrDefault(entry.Name!) + n;
        }
    }
}
