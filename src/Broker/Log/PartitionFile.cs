namespace ContactCenter.Broker.Log;

/// <summary>
/// A partition's batches on disk (<c>--data-dir</c>): appended as stored (base offsets filled in), flushed to the OS
/// on every append (a killed process loses nothing; a power cut may), rewritten whole (via a rename) after retention
/// or compaction removed batches.
/// </summary>
internal sealed class PartitionFile : IDisposable
{
    private readonly string _path;
    private FileStream _stream;

    public PartitionFile(string path)
    {
        _path = path;
        _stream = Open(path);
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16);

    public void Append(ReadOnlySpan<byte> batch)
    {
        _stream.Write(batch);
        _stream.Flush();
    }

    public void Rewrite(IEnumerable<ReadOnlyMemory<byte>> batches)
    {
        var temp = _path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            foreach (var batch in batches) file.Write(batch.Span);
        _stream.Dispose();
        File.Move(temp, _path, overwrite: true);
        _stream = Open(_path);
    }

    /// <summary>The batches of a partition file in order; a torn last batch (a crash mid-write) is cut off.</summary>
    public static List<byte[]> ReadAll(string path)
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

    public void Dispose() => _stream.Dispose();
}
