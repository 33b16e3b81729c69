using ContactCenter.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Stores.Snapshots;

/// <summary>
/// Saves a state stage's Redis state to a snapshot file and loads it back (<see cref="SnapshotFormat"/>). Saving reads
/// the stage's offsets first and then each hash with its own fence, so the offsets are never ahead of the data: a
/// load followed by a replay from those offsets re-applies at most what the fence turns into no-ops. Loading writes
/// hashes and tombstones only where Redis has nothing (it never overwrites newer state) and the offsets last.
/// </summary>
public static class RedisSnapshots
{
    /// <summary>File name extension of snapshots in a snapshot directory.</summary>
    public const string Extension = ".ccsnap";

    /// <summary>KEYS: the hash, then the count keys its marks belong to; ARGV: field, value, ..., then per count key the
    /// group the hash is counted in, then their number. A loaded hash joins the groups its marks name, in the same step.</summary>
    private const string LoadHash = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        local m = tonumber(ARGV[#ARGV])
        redis.call('HSET', KEYS[1], unpack(ARGV, 1, #ARGV - 1 - m))
        for i = 1, m do redis.call('HINCRBY', KEYS[1 + i], ARGV[#ARGV - 1 - m + i], 1) end
        return 1
        """;

    private const string RaiseOffset = """
        local done = redis.call('GET', KEYS[1])
        local o = ARGV[1]
        if done and (#done > #o or (#done == #o and done >= o)) then return 0 end
        redis.call('SET', KEYS[1], o)
        return 1
        """;

    /// <summary>Writes every hash and tombstone under <paramref name="keyPattern"/> and the stage's offsets to <paramref name="path"/>.</summary>
    /// <returns>How many records the file holds.</returns>
    public static async Task<long> SaveAsync(IConnectionMultiplexer redis, string stage, string keyPattern, string offsetsPrefix, string path, CancellationToken ct = default)
    {
        var db = redis.GetDatabase();
        var offsets = await RedisStateReader.ReadOffsetsAsync(db, stage, offsetsPrefix).ConfigureAwait(false);
        var header = new SnapshotHeader(stage, keyPattern, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), offsets);
        long count = 0;
        async IAsyncEnumerable<object> Records()
        {
            // Read in pipelined pages, as a load writes: one round trip per key would make a save as slow as a rebuild.
            var page = new List<string>(SavePageSize);
            foreach (var pattern in RedisStateReader.StateGlobs(keyPattern, tombstones: true, ClusterSlots.IsCluster(redis)))
            {
                await foreach (var key in RedisStateReader.ScanKeysAsync(redis, pattern).ConfigureAwait(false))
                {
                    page.Add(key);
                    if (page.Count < SavePageSize) continue;
                    foreach (var record in await ReadPageAsync(db, page).ConfigureAwait(false))
                    {
                        count++;
                        yield return record;
                    }
                    page.Clear();
                }
            }
            foreach (var record in await ReadPageAsync(db, page).ConfigureAwait(false))
            {
                count++;
                yield return record;
            }
        }
        await SnapshotFormat.WriteAsync(path, header, Records(), ct).ConfigureAwait(false);
        return count;
    }

    private const int SavePageSize = 256;

    // A page of keys read at once: a hash with its entries, a tombstone with its fence and the time it has left; a key
    // gone (or without expiry) since the scan saw it is left out.
    private static async Task<List<object>> ReadPageAsync(IDatabase db, List<string> keys)
    {
        var reads = keys.Select(async key =>
        {
            if (key.EndsWith(FenceScript.TombstoneSuffix, StringComparison.Ordinal))
            {
                var fence = db.StringGetAsync(key);
                var ttl = db.KeyTimeToLiveAsync(key);
                return (await fence.ConfigureAwait(false)).IsNull || await ttl.ConfigureAwait(false) is not { } left
                    ? null
                    : (object)new SnapshotTombstone(key, fence.Result!, (long)left.TotalMilliseconds);
            }
            var entries = await db.HashGetAllAsync(key).ConfigureAwait(false);
            return entries.Length == 0 ? null : new SnapshotHash(key, entries.Select(e => new KeyValuePair<string, string>(e.Name!, e.Value!)).ToList());
        }).ToList();
        var records = new List<object>(keys.Count);
        foreach (var read in reads)
            if (await read.ConfigureAwait(false) is { } record) records.Add(record);
        return records;
    }

    /// <summary>What a load did.</summary>
    public sealed record LoadResult(SnapshotHeader Header, long Hashes, long Tombstones, long Skipped);

    /// <summary>
    /// Loads <paramref name="path"/> for <paramref name="stage"/>: verifies the whole file first (a corrupt, truncated or
    /// foreign file changes nothing), then writes hashes and tombstones where Redis has none, then the offsets.
    /// </summary>
    /// <param name="upkeep">The stage's counts: a loaded hash carrying a count's mark is counted as it is written (the
    /// counts themselves are not in the file; they are the sum of the marks).</param>
    public static async Task<LoadResult> LoadAsync(IConnectionMultiplexer redis, string stage, string keyPattern, string offsetsPrefix, string path, CancellationToken ct = default,
        AgentTableUpkeep? upkeep = null)
    {
        var (header, records) = await SnapshotFormat.ReadAsync(path, ct).ConfigureAwait(false);
        if (header.Stage != stage || header.KeyPattern != keyPattern)
            throw new SnapshotFormatException(path, $"holds stage '{header.Stage}' with keys '{header.KeyPattern}', not stage '{stage}' with keys '{keyPattern}'");
        var prefix = keyPattern[..keyPattern.IndexOf("{key}", StringComparison.Ordinal)];
        foreach (var record in records)
        {
            var key = record is SnapshotHash h ? h.Key : ((SnapshotTombstone)record).Key;
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
                throw new SnapshotFormatException(path, $"holds key '{key}' outside the stage's keys '{keyPattern}'");
        }

        var db = redis.GetDatabase();
        var clustered = ClusterSlots.IsCluster(redis);
        long hashes = 0, tombstones = 0, skipped = 0;
        // Pipelined in windows: one round trip per record would make a load as slow as a rebuild.
        const int Window = 512;
        var pending = new List<(Task<bool> Written, bool IsHash)>(Window);
        async Task DrainAsync()
        {
            foreach (var (written, isHash) in pending)
            {
                if (!await written.ConfigureAwait(false)) skipped++;
                else if (isHash) hashes++;
                else tombstones++;
            }
            pending.Clear();
        }
        foreach (var record in records)
        {
            ct.ThrowIfCancellationRequested();
            if (record is SnapshotHash hash)
            {
                var (keys, args) = LoadCall(hash, upkeep, clustered);
                pending.Add((LoadHashAsync(db, keys, args), true));
            }
            else if (record is SnapshotTombstone tomb && tomb.TimeToLiveMs > 0)
            {
                pending.Add((db.StringSetAsync(tomb.Key, tomb.Fence, TimeSpan.FromMilliseconds(tomb.TimeToLiveMs), When.NotExists), false));
            }
            if (pending.Count >= Window)
                await DrainAsync().ConfigureAwait(false);
        }
        await DrainAsync().ConfigureAwait(false);
        foreach (var (partition, offset) in header.Offsets)
            await db.ScriptEvaluateAsync(RaiseOffset, [FenceScript.OffsetsKey(offsetsPrefix, stage, partition)], [offset]).ConfigureAwait(false);
        return new LoadResult(header, hashes, tombstones, skipped);
    }

    private static async Task<bool> LoadHashAsync(IDatabase db, RedisKey[] keys, RedisValue[] args) =>
        (long)await db.ScriptEvaluateAsync(LoadHash, keys, args).ConfigureAwait(false) == 1;

    /// <summary>The load of one hash: its fields, and the count (the shard in the hash's slot on a cluster) of each mark it
    /// carries that names a count of <paramref name="upkeep"/>.</summary>
    private static (RedisKey[] Keys, RedisValue[] Args) LoadCall(SnapshotHash hash, AgentTableUpkeep? upkeep, bool clustered)
    {
        var keys = new List<RedisKey> { hash.Key };
        var groups = new List<RedisValue>();
        foreach (var count in upkeep?.Counts ?? [])
        {
            var mark = hash.Fields.FirstOrDefault(f => f.Key == count.Marker).Value;
            if (string.IsNullOrEmpty(mark)) continue;
            keys.Add(clustered ? count.ShardKey(ClusterSlots.Of(hash.Key)) : count.Key);
            groups.Add(mark);
        }
        var args = hash.Fields.SelectMany(f => new RedisValue[] { f.Key, f.Value }).Concat(groups).Append(groups.Count).ToArray();
        return ([.. keys], args);
    }

    /// <summary>The newest snapshot file in <paramref name="directory"/> (by the time in its name order), or null.</summary>
    public static string? Newest(string directory, string stage) =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, $"{stage}-*{Extension}").Order(StringComparer.Ordinal).LastOrDefault()
            : null;

    /// <summary>A file name for a snapshot of <paramref name="stage"/> taken now; names sort by time.</summary>
    public static string FileName(string stage) => $"{stage}-{DateTimeOffset.UtcNow:yyyyMMddTHHmmssfffZ}{Extension}";
}
