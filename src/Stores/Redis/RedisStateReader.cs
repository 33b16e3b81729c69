using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>Reads what <see cref="FencedStateWriter"/> wrote: progress per partition, agent hashes, key listings.</summary>
public static class RedisStateReader
{
    private const int ScanPageSize = 1000;

    /// <summary>Partition -> last offset applied by <paramref name="stage"/> (the Kafka position to resume from is
    /// that offset + 1). Empty when the stage never wrote.</summary>
    public static async Task<IReadOnlyDictionary<int, long>> ReadOffsetsAsync(IDatabase db, string stage, string offsetsKeyPrefix = "cc:offsets")
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        var prefix = $"{offsetsKeyPrefix}:{stage}:";
        var keys = new List<RedisKey>();
        var partitions = new List<int>();
        await foreach (var key in ScanAsync(db.Multiplexer, db.Database, EscapeGlob(prefix) + "*").ConfigureAwait(false))
        {
            // "cc:offsets:a:*" also matches stage "a:b"'s keys; only a bare partition number after the prefix counts.
            if (int.TryParse(key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            {
                keys.Add(key);
                partitions.Add(partition);
            }
        }

        var offsets = new Dictionary<int, long>(keys.Count);
        if (keys.Count == 0)
            return offsets;
        Collect(partitions, await ClusterSafe.GetAsync(db, keys.ToArray()).ConfigureAwait(false), offsets);
        return offsets;
    }

    /// <summary>
    /// The offsets recorded for just <paramref name="partitions"/> (one MGET, no scan), for callers that cannot wait
    /// asynchronously, such as a consumer's partition-assignment handler. Partitions without a record are left out.
    /// </summary>
    public static Dictionary<int, long> ReadOffsets(IDatabase db, string stage, string offsetsKeyPrefix, IReadOnlyList<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(db);
        var offsets = new Dictionary<int, long>(partitions.Count);
        Collect(partitions, ClusterSafe.Get(db, partitions.Select(p => FenceScript.OffsetsKey(offsetsKeyPrefix, stage, p)).ToArray()), offsets);
        return offsets;
    }

    /// <summary>The offsets recorded for <paramref name="partitions"/> (one MGET, no SCAN): partitions without a key are absent.</summary>
    public static async Task<Dictionary<int, long>> ReadOffsetsAsync(IDatabase db, string stage, string offsetsKeyPrefix, IReadOnlyList<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(db);
        var offsets = new Dictionary<int, long>(partitions.Count);
        var values = await ClusterSafe.GetAsync(db, partitions.Select(p => FenceScript.OffsetsKey(offsetsKeyPrefix, stage, p)).ToArray()).ConfigureAwait(false);
        Collect(partitions, values, offsets);
        return offsets;
    }

    private static void Collect(IReadOnlyList<int> partitions, RedisValue[] values, Dictionary<int, long> offsets)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!values[i].IsNull && long.TryParse((string?)values[i], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                offsets[partitions[i]] = offset;
        }
    }

    /// <summary>The agent hash without the internal fence fields; null when the key does not exist.</summary>
    public static async Task<Dictionary<string, string>?> ReadHashAsync(IDatabase db, string key)
    {
        ArgumentNullException.ThrowIfNull(db);
        var entries = await db.HashGetAllAsync(key).ConfigureAwait(false);
        if (entries.Length == 0)
            return null;
        var fields = new Dictionary<string, string>(entries.Length, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = (string)entry.Name!;
            if (!FenceScript.IsFenceField(name))
                fields[name] = (string)entry.Value!;
        }
        return fields;
    }

    /// <summary>Keys matching the glob <paramref name="pattern"/> in the default database of every primary, listed with SCAN (never KEYS, so
    /// the server is not blocked; Garnet supports it too). Note that <c>cc:agent:*</c> also lists the
    /// <c>:tomb</c> keys of deleted agents.</summary>
    public static IAsyncEnumerable<string> ScanKeysAsync(IConnectionMultiplexer redis, string pattern)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        // GetDatabase() without an index is the configured default database (defaultDatabase=, usually 0).
        return ScanAsync(redis, redis.GetDatabase().Database, pattern);
    }

    /// <summary>
    /// Keys of the state hashes matching <paramref name="pattern"/>: the tombstone fences the fenced writer keeps
    /// beside deleted keys (<c>{key}:tomb</c>) match the same pattern and are left out.
    /// </summary>
    public static async IAsyncEnumerable<string> ScanStateKeysAsync(IConnectionMultiplexer redis, string pattern)
    {
        await foreach (var key in ScanKeysAsync(redis, pattern))
        {
            if (!key.EndsWith(FenceScript.TombstoneSuffix, StringComparison.Ordinal))
                yield return key;
        }
    }

    /// <summary>
    /// Asks the server itself (<c>ROLE</c>): the client's own view of who is a replica can lag behind a cluster that was
    /// just created or failed over, and a replica scanned as well counts its primary's keys twice. A server that does not
    /// know ROLE is taken at the client's word.
    /// </summary>
    private static async Task<bool> IsPrimaryAsync(IServer server)
    {
        try
        {
            var role = await server.ExecuteAsync("ROLE").ConfigureAwait(false);
            return role.Resp2Type != ResultType.Array || ((RedisResult[])role!).Length == 0 || (string?)((RedisResult[])role!)[0] == "master";
        }
        catch (RedisServerException)
        {
            return true;
        }
    }

    private static async IAsyncEnumerable<string> ScanAsync(IConnectionMultiplexer redis, int database, string pattern,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var server in redis.GetServers())
        {
            if (server.IsReplica || !await IsPrimaryAsync(server).ConfigureAwait(false))
                continue;
            var cursor = "0";
            do
            {
                ct.ThrowIfCancellationRequested();
                var reply = await server.ExecuteAsync(database, "SCAN",
                    [cursor, "MATCH", pattern, "COUNT", ScanPageSize]).ConfigureAwait(false);
                var parts = (RedisResult[])reply!;
                cursor = (string)parts[0]!;
                foreach (var key in (RedisResult[])parts[1]!)
                    yield return (string)key!;
            }
            while (cursor != "0");
        }
    }

    /// <summary>Makes a literal safe inside a SCAN MATCH glob.</summary>
    /// <summary>The SCAN pattern of every key <paramref name="keyPattern"/> can produce: its literal text escaped, <c>{key}</c>
    /// as <c>*</c>.</summary>
    public static string KeyGlob(string keyPattern) =>
        EscapeGlob(keyPattern).Replace(EscapeGlob("{key}"), "*", StringComparison.Ordinal);

    /// <summary>
    /// The SCAN patterns of a stage's hashes under <paramref name="keyPattern"/> and, with <paramref name="tombstones"/>,
    /// their tombstones: with a suffix after <c>{key}</c>, the tombstones (<c>{hash}:tomb</c>) do not match the hashes'
    /// pattern and get one of their own. A pattern ending in <c>{key}</c> matches both (callers tell them apart by suffix).
    /// </summary>
    /// <param name="clustered">On a Redis Cluster, tombstones are named <c>{hash}:tomb</c> (<see cref="FenceScript.TombstoneKey(string, bool)"/>) and
    /// get a pattern of their own as well.</param>
    public static string[] StateGlobs(string keyPattern, bool tombstones, bool clustered = false)
    {
        var glob = KeyGlob(keyPattern);
        if (!tombstones)
            return [glob];
        var own = keyPattern.EndsWith("{key}", StringComparison.Ordinal) ? [glob] : new[] { glob, glob + FenceScript.TombstoneSuffix };
        return clustered ? [.. own, "{" + glob + "}" + FenceScript.TombstoneSuffix] : own;
    }

    internal static string EscapeGlob(string literal)
    {
        if (literal.AsSpan().IndexOfAny("*?[]\\") < 0)
            return literal;
        var escaped = new StringBuilder(literal.Length + 8);
        foreach (var c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
                escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
