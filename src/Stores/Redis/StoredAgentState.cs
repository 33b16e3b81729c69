using System.Globalization;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// An agent's state as Redis holds it, with the fence position that wrote it: a hash (<see cref="Fields"/> without the
/// fence fields) or, for a deleted agent, its tombstone (<see cref="Fields"/> null).
/// </summary>
public sealed record StoredAgentState(string Key, int Partition, long Offset, long TimestampMs, IReadOnlyDictionary<string, string>? Fields)
{
    private const int PageSize = 256;

    /// <summary>
    /// Every hash under <paramref name="keyPattern"/> (a <c>{key}</c> placeholder) and, with <paramref name="tombstones"/>,
    /// every tombstone (under the hash's own key), read page by page with pipelined reads. Hashes without a fence (not
    /// written by the fenced writer) are skipped. Not a point-in-time view: a key is read as it is when its page is read.
    /// </summary>
    public static async IAsyncEnumerable<StoredAgentState> ReadAllAsync(IConnectionMultiplexer redis, string keyPattern, bool tombstones,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        var db = redis.GetDatabase();
        var page = new List<string>(PageSize);
        foreach (var pattern in RedisStateReader.StateGlobs(keyPattern, tombstones))
        {
            await foreach (var key in RedisStateReader.ScanKeysAsync(redis, pattern).WithCancellation(ct).ConfigureAwait(false))
            {
                if (!tombstones && key.EndsWith(FenceScript.TombstoneSuffix, StringComparison.Ordinal)) continue;
                page.Add(key);
                if (page.Count < PageSize) continue;
                foreach (var state in await ReadPageAsync(db, page).ConfigureAwait(false))
                    yield return state;
                page.Clear();
            }
        }
        foreach (var state in await ReadPageAsync(db, page).ConfigureAwait(false))
            yield return state;
    }

    private static async Task<List<StoredAgentState>> ReadPageAsync(IDatabase db, List<string> keys)
    {
        var reads = keys.Select(key => key.EndsWith(FenceScript.TombstoneSuffix, StringComparison.Ordinal)
            ? (Task<object>)ReadTombstoneAsync(db, key)
            : ReadHashAsync(db, key)).ToArray();
        await Task.WhenAll(reads).ConfigureAwait(false);
        var states = new List<StoredAgentState>(keys.Count);
        foreach (var read in reads)
        {
            if (read.Result is StoredAgentState state) states.Add(state);
        }
        return states;
    }

    private static async Task<object> ReadHashAsync(IDatabase db, string key)
    {
        var entries = await db.HashGetAllAsync(key).ConfigureAwait(false);
        string? p = null, o = null, t = null;
        var fields = new Dictionary<string, string>(entries.Length, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = (string)entry.Name!;
            switch (name)
            {
                case FenceScript.PartitionField: p = entry.Value; break;
                case FenceScript.OffsetField: o = entry.Value; break;
                case FenceScript.TimestampField: t = entry.Value; break;
                case FenceScript.GenerationField or FenceScript.VersionsField: break;
                default: fields[name] = (string)entry.Value!; break;
            }
        }
        return Fence(key, p, o, t, fields) ?? (object)key;
    }

    private static async Task<object> ReadTombstoneAsync(IDatabase db, string key)
    {
        // The tombstone holds "partition:offset:timestamp", then ":generation" when a migration's stage wrote it, and
        // ":generation:versions" when the write carried per-part versions (FenceScript).
        var fence = (string?)await db.StringGetAsync(key).ConfigureAwait(false);
        var parts = fence?.Split(':', 5);
        return parts is { Length: 3 or 4 or 5 } ? Fence(key[..^FenceScript.TombstoneSuffix.Length], parts[0], parts[1], parts[2], null) ?? (object)key : key;
    }

    private static StoredAgentState? Fence(string key, string? p, string? o, string? t, Dictionary<string, string>? fields) =>
        int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
        && long.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? new StoredAgentState(key, partition, offset, long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var ts) ? ts : 0, fields)
            : null;
}
