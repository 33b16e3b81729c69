using System.Globalization;

namespace ContactCenter.Broker.Log;

/// <summary>
/// A partition's batches on disk (<c>--data-dir</c>): appended as stored (base offsets filled in) and handed to the
/// OS on every append (a killed process loses nothing), forced to the disk as <see cref="FsyncMode"/> says, rewritten
/// whole (via a rename) after retention or compaction removed batches. A log start offset moved inside a batch
/// (DeleteRecords) is kept beside it in <c>N.start</c>.
/// </summary>
internal sealed class PartitionFile : IDisposable
{
    private readonly string _path;
    private readonly FsyncMode _fsync;
    private readonly Lock _gate = new();
    private FileStream _stream;
    private bool _dirty;

    private PartitionFile(string path, FsyncMode fsync)
    {
        _path = path;
        _fsync = fsync;
        _stream = OpenForAppend(path);
    }

    /// <summary>Opens (creating) a partition file, reading back its batches and its log start offset (-1 when none was kept).</summary>
    public static PartitionFile Open(string path, FsyncMode fsync, out List<byte[]> batches, out long logStart)
    {
        batches = ReadAll(path);
        logStart = File.Exists(StartPath(path)) && long.TryParse(File.ReadAllText(StartPath(path)).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : -1;
        return new PartitionFile(path, fsync);
    }

    private static string StartPath(string path) => Path.ChangeExtension(path, ".start");

    private static FileStream OpenForAppend(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);

    public void Append(ReadOnlySpan<byte> batch)
    {
        lock (_gate)
        {
            _stream.Write(batch);
            _stream.Flush(flushToDisk: _fsync == FsyncMode.Always);
            _dirty = _fsync == FsyncMode.Interval;
        }
    }

    /// <summary>Forces what was appended since the last call to the disk (<see cref="FsyncMode.Interval"/>).</summary>
    public void SyncIfDirty()
    {
        lock (_gate)
        {
            if (!_dirty) return;
            _stream.Flush(flushToDisk: true);
            _dirty = false;
        }
    }

    /// <summary>Keeps a log start offset that falls inside the first kept batch (DeleteRecords).</summary>
    public void SaveLogStart(long logStart)
    {
        var temp = StartPath(_path) + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(logStart.ToString(CultureInfo.InvariantCulture)));
            file.Flush(flushToDisk: _fsync != FsyncMode.Never);
        }
        File.Move(temp, StartPath(_path), overwrite: true);
    }

    public void Rewrite(IEnumerable<ReadOnlyMemory<byte>> batches)
    {
        lock (_gate)
        {
            var temp = _path + ".tmp";
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                foreach (var batch in batches) file.Write(batch.Span);
                file.Flush(flushToDisk: _fsync != FsyncMode.Never);
            }
            _stream.Dispose();
            File.Move(temp, _path, overwrite: true);
            _stream = OpenForAppend(_path);
        }
    }

    /// <summary>The batches of a partition file in order; a torn last batch (a crash mid-write) is cut off.</summary>
    private static List<byte[]> ReadAll(string path)
    {
        var result = new List<byte[]>();
        if (!File.Exists(path)) return result;
        var bytes = File.ReadAllBytes(path);
        var pos = 0;
        while (pos < bytes.Length && RecordBatch.TryRead(bytes.AsSpan(pos), out var header) && RecordBatch.CrcMatches(bytes.AsSpan(pos, header.Length)))
        {
            result.Add(bytes.AsSpan(pos, header.Length).ToArray());
            pos += header.Length;
        }
        if (pos < bytes.Length)
            using (var trim = new FileStream(path, FileMode.Open, FileAccess.Write)) trim.SetLength(pos);
        return result;
    }

    public void Dispose()
    {
        lock (_gate) _stream.Dispose();
    }
}
