using ContactCenter.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations;

/// <summary>What a replay does (or would do) to one agent's hash.</summary>
internal enum AgentChange
{
    Unchanged,
    Added,
    Changed,
    Removed,
}

/// <summary>One field that differs: null Before = the field is new, null After = it goes away.</summary>
internal sealed record FieldChange(string Field, string? Before, string? After);

/// <summary>One agent's hash before (live Redis) and after the replay.</summary>
internal sealed record AgentDiff(string Key, AgentChange Change, IReadOnlyList<FieldChange> Fields);

/// <summary>
/// Redis as a replay would leave it, in memory: every key a replayed write touches is read from live Redis once (its
/// hash with the fence fields and its tombstone), then each write is decided by <see cref="FenceRule"/>, the fence
/// script's rule in C#. Live Redis is only read, never written.
/// </summary>
internal sealed class ShadowState(IDatabase db)
{
    private readonly bool _clustered = ClusterSlots.IsCluster(db.Multiplexer); // tombstones are named into their hash's slot there

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Keys touched so far.</summary>
    public int Count => _entries.Count;

    /// <summary>Applies <paramref name="write"/> as the fence script would; true when it changed the shadow.</summary>
    public async ValueTask<bool> ApplyAsync(AgentStateWrite write)
    {
        if (!_entries.TryGetValue(write.Key, out var entry))
        {
            entry = await ReadAsync(write.Key).ConfigureAwait(false);
            _entries[write.Key] = entry;
        }
        if (!FenceRule.Applies(write, entry.HashFence, entry.Tombstone, entry.Fields))
            return false;
        var fence = new Fence(write.Partition, write.Offset, write.SourceTimestampMs, Versions: write.PartVersions);
        if (write.Fields is null)
        {
            entry.Fields = null;
            entry.HashFence = null;
            entry.Tombstone = fence;
        }
        else
        {
            entry.Fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in write.Fields)
                entry.Fields[name] = value;
            entry.HashFence = fence;
            entry.Tombstone = null;
        }
        return true;
    }

    /// <summary>Every touched key, live against shadow, in key order.</summary>
    public IReadOnlyList<AgentDiff> Diff()
    {
        var diffs = new List<AgentDiff>(_entries.Count);
        foreach (var (key, entry) in _entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            diffs.Add(Compare(key, entry.LiveFields, entry.Fields));
        return diffs;
    }

    internal static AgentDiff Compare(string key, IReadOnlyDictionary<string, string>? before, IReadOnlyDictionary<string, string>? after)
    {
        if (before is null && after is null)
            return new AgentDiff(key, AgentChange.Unchanged, []);
        var changes = new List<FieldChange>();
        var names = (before?.Keys ?? []).Union(after?.Keys ?? [], StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            string? old = null, now = null;
            before?.TryGetValue(name, out old);
            after?.TryGetValue(name, out now);
            if (old != now)
                changes.Add(new FieldChange(name, old, now));
        }
        var change = (before, after) switch
        {
            (null, _) => AgentChange.Added,
            (_, null) => AgentChange.Removed,
            _ => changes.Count == 0 ? AgentChange.Unchanged : AgentChange.Changed,
        };
        return new AgentDiff(key, change, changes);
    }

    private async Task<Entry> ReadAsync(string key)
    {
        var hash = db.HashGetAllAsync(key);
        var tomb = db.StringGetAsync(FenceScript.TombstoneKey(key, _clustered));
        var entries = await hash.ConfigureAwait(false);
        var all = new Dictionary<string, string>(entries.Length, StringComparer.Ordinal);
        foreach (var e in entries)
            all[(string)e.Name!] = (string)e.Value!;
        Dictionary<string, string>? fields = null;
        if (entries.Length > 0)
            fields = all.Where(kv => !FenceScript.IsFenceField(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var entry = new Entry
        {
            LiveFields = fields,
            Fields = fields,
            HashFence = entries.Length > 0 ? Fence.FromHash(all) : null,
            Tombstone = Fence.FromTombstone((string?)await tomb.ConfigureAwait(false)),
        };
        return entry;
    }

    private sealed class Entry
    {
        public Dictionary<string, string>? LiveFields { get; init; }
        public Dictionary<string, string>? Fields { get; set; }
        public Fence? HashFence { get; set; }
        public Fence? Tombstone { get; set; }
    }
}
