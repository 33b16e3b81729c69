using System.Text;
using System.Text.Json;

namespace ContactCenter.Broker.Groups;

/// <summary>
/// Committed offsets on disk (<c>--data-dir</c>): one JSON line per commit, the last one per partition wins; a line
/// with <c>GroupDeleted</c> forgets every earlier commit of its group (DeleteGroups). Forced to the disk as
/// <paramref name="fsync"/> says.
/// </summary>
internal sealed class OffsetJournal(string path, Log.FsyncMode fsync = Log.FsyncMode.Never) : IDisposable
{
    public sealed record Commit(string Group, string Topic, int Partition, long Offset, string? Metadata, bool GroupDeleted = false);

    private readonly FileStream _stream = new(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    private readonly Lock _gate = new();
    private bool _dirty;

    public void Append(Commit commit)
    {
        lock (_gate)
        {
            _stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(commit) + "\n"));
            _stream.Flush(flushToDisk: fsync == Log.FsyncMode.Always);
            _dirty = fsync == Log.FsyncMode.Interval;
        }
    }

    /// <summary>Forces what was appended since the last call to the disk (<see cref="Log.FsyncMode.Interval"/>).</summary>
    public void SyncIfDirty()
    {
        lock (_gate)
        {
            if (!_dirty) return;
            _stream.Flush(flushToDisk: true);
            _dirty = false;
        }
    }

    public IEnumerable<Commit> Load()
    {
        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is { } line)
        {
            Commit? commit;
            try { commit = JsonSerializer.Deserialize<Commit>(line); }
            catch (JsonException) { continue; } // a torn last line
            if (commit is not null) yield return commit;
        }
    }

    public void Dispose() => _stream.Dispose();
}
