namespace ContactCenter.Broker.Log;

/// <summary>
/// Where a partition's batches live: copied back to back into large chunks, so a log of a million batches is a few
/// hundred arrays to the garbage collector instead of a million (each request frame dies young instead of being kept
/// for the life of the log). Chunks start small and double up to <see cref="MaxChunkBytes"/>, so the many tiny
/// partitions of tests cost little. A chunk is freed by the GC once no batch slice refers to it (retention).
/// </summary>
internal sealed class LogArena
{
    /// <summary>The largest chunk; a batch bigger than this gets a chunk of its own size.</summary>
    public const int MaxChunkBytes = 1 << 20;
    private const int FirstChunkBytes = 4 << 10;

    private byte[] _chunk = [];
    private int _used;
    private int _nextSize = FirstChunkBytes;

    /// <summary>Copies <paramref name="batch"/> in and returns where it now lives (writable: offsets are set in place).</summary>
    public Memory<byte> Copy(ReadOnlySpan<byte> batch)
    {
        if (_chunk.Length - _used < batch.Length)
        {
            while (_nextSize < batch.Length && _nextSize < MaxChunkBytes) _nextSize *= 2;
            _chunk = new byte[Math.Max(_nextSize, batch.Length)];
            _used = 0;
            _nextSize = Math.Min(_nextSize * 2, MaxChunkBytes);
        }
        var slice = _chunk.AsMemory(_used, batch.Length);
        batch.CopyTo(slice.Span);
        _used += batch.Length;
        return slice;
    }
}
