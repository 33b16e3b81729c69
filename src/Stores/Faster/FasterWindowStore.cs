namespace ContactCenter.Stores.Faster;

/// <summary>One record for the window store's changelog: the entry's key and its value (null deletes it).</summary>
public readonly record struct ChangelogEntry(byte[] Key, byte[]? Value);

/// <summary>
/// The window store of one input partition, on FASTER (<see cref="FasterBytes"/>): counts per (group key, window start),
/// the last <c>once-per</c> value counted per record key, and the partition's progress. Every change returns the record
/// its changelog must receive, in the store's own format (<see cref="WindowStoreCodec"/>), so restoring is applying the
/// changelog's records in order (<see cref="Restore"/>).
/// <list type="bullet">
/// <item>Retention: <see cref="Expire"/> drops every window starting more than the retention before the stream time
/// and returns the tombstones for the changelog, so neither the store nor the (compacted) changelog grows with time.</item>
/// <item>Memory: FASTER's log and index are bounded by <see cref="FasterStoreOptions"/>; the only other structure is the
/// index of live windows by start (what <see cref="Expire"/> needs), bounded by retention times groups.</item>
/// <item>Each entry carries the input offset that last changed it: a record processed again after a crash (its offset
/// not above the entry's) is recognized and not counted twice.</item>
/// </list>
/// Single-threaded: the window stage's consumer thread owns the partition's store.
/// </summary>
public sealed class FasterWindowStore : IDisposable
{
    private readonly FasterBytes _bytes;
    private readonly long _retentionMs;
    private readonly SortedDictionary<long, HashSet<string>> _byStart = new();
    private int _windows;

    /// <param name="directory">The store's own directory (locked while open, emptied at open).</param>
    /// <param name="retention">How long, in event time, a window is kept after its start.</param>
    public FasterWindowStore(string directory, TimeSpan retention, FasterStoreOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero);
        _retentionMs = (long)retention.TotalMilliseconds;
        _bytes = new FasterBytes(directory, options ?? new FasterStoreOptions { MemorySizeBytes = 1L << 22, PageSizeBytes = 1L << 16, IndexSizeBytes = 1L << 20, SegmentSizeBytes = 1L << 22 });
    }

    /// <summary>Where the partition's processing stands (null before its first counted record).</summary>
    public WindowProgress? Progress { get; private set; }

    /// <summary>Live windows.</summary>
    public int WindowCount => _windows;

    public WindowCount? Get(string group, long start) =>
        _bytes.Get(WindowStoreCodec.WindowKey(group, start)) is { } value ? WindowStoreCodec.ReadWindowValue(value) : null;

    public ChangelogEntry Put(string group, long start, WindowCount count)
    {
        var key = WindowStoreCodec.WindowKey(group, start);
        var value = WindowStoreCodec.WindowValue(count);
        if (_bytes.Get(key) is null) Index(group, start);
        _bytes.Put(key, value);
        return new ChangelogEntry(key, value);
    }

    public CountedMark? GetMark(string recordKey) =>
        _bytes.Get(WindowStoreCodec.MarkKey(recordKey)) is { } value ? WindowStoreCodec.ReadMarkValue(value) : null;

    public ChangelogEntry PutMark(string recordKey, CountedMark mark)
    {
        var key = WindowStoreCodec.MarkKey(recordKey);
        var value = WindowStoreCodec.MarkValue(mark);
        _bytes.Put(key, value);
        return new ChangelogEntry(key, value);
    }

    public ChangelogEntry SetProgress(WindowProgress progress)
    {
        Progress = progress;
        var value = WindowStoreCodec.ProgressValue(progress);
        _bytes.Put(WindowStoreCodec.ProgressKey, value);
        return new ChangelogEntry(WindowStoreCodec.ProgressKey, value);
    }

    /// <summary>Drops the windows starting before <paramref name="streamTime"/> minus the retention; adds their tombstones to <paramref name="changelog"/>.</summary>
    /// <returns>How many windows were dropped.</returns>
    public int Expire(long streamTime, ICollection<ChangelogEntry> changelog)
    {
        var horizon = streamTime - _retentionMs;
        var dropped = 0;
        while (_byStart.Count > 0)
        {
            var (start, groups) = _byStart.First();
            if (start >= horizon) break;
            foreach (var group in groups)
            {
                var key = WindowStoreCodec.WindowKey(group, start);
                _bytes.Delete(key);
                changelog.Add(new ChangelogEntry(key, null));
                dropped++;
            }
            _windows -= groups.Count;
            _byStart.Remove(start);
        }
        return dropped;
    }

    /// <summary>Applies one changelog record (in changelog order), as <see cref="Put"/>, <see cref="PutMark"/>,
    /// <see cref="SetProgress"/> or an expiry wrote it.</summary>
    /// <exception cref="FormatException">The record is not one of the store's.</exception>
    public void Restore(byte[] key, byte[]? value)
    {
        if (key.Length == 0) throw new FormatException("empty window store key");
        switch (key[0])
        {
            case WindowStoreCodec.WindowKind when key.Length >= 9:
                var (group, start) = WindowStoreCodec.ReadWindowKey(key);
                if (value is null)
                {
                    if (_bytes.Get(key) is not null) Unindex(group, start);
                    _bytes.Delete(key);
                }
                else
                {
                    WindowStoreCodec.ReadWindowValue(value);
                    if (_bytes.Get(key) is null) Index(group, start);
                    _bytes.Put(key, value);
                }
                break;
            case WindowStoreCodec.MarkKind:
                if (value is null) _bytes.Delete(key);
                else
                {
                    WindowStoreCodec.ReadMarkValue(value);
                    _bytes.Put(key, value);
                }
                break;
            case WindowStoreCodec.ProgressKind when key.Length == 1 && value is not null:
                Progress = WindowStoreCodec.ReadProgressValue(value);
                _bytes.Put(key, value);
                break;
            default:
                throw new FormatException($"not a window store record (kind byte {key[0]}, {key.Length} bytes)");
        }
    }

    /// <summary>Every live window with its count, by start then group (tests, the demo's check).</summary>
    public IEnumerable<(string Group, long Start, WindowCount Count)> Windows()
    {
        foreach (var (start, groups) in _byStart)
        {
            foreach (var group in groups.Order(StringComparer.Ordinal))
            {
                if (Get(group, start) is { } count) yield return (group, start, count);
            }
        }
    }

    private void Index(string group, long start)
    {
        if (!_byStart.TryGetValue(start, out var groups)) _byStart[start] = groups = new HashSet<string>(StringComparer.Ordinal);
        if (groups.Add(group)) _windows++;
    }

    private void Unindex(string group, long start)
    {
        if (_byStart.TryGetValue(start, out var groups) && groups.Remove(group))
        {
            _windows--;
            if (groups.Count == 0) _byStart.Remove(start);
        }
    }

    public void Dispose() => _bytes.Dispose();
}
