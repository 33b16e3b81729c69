using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Log;

/// <summary>
/// One partition's log in memory: record batches in offset order, as the producer sent them with the base offset
/// filled in. Lookups by offset and by timestamp are binary searches (the last offsets are increasing; the running
/// maximum timestamp is the time index). Appends wake every fetch waiting on the partition.
/// </summary>
internal sealed partial class PartitionLog(string topic, int partition, int leader, PartitionFile? file = null) : IDisposable
{
    /// <summary>A batch in the log. <see cref="MaxTimestampSoFar"/> is the time index (a running maximum);
    /// <see cref="BytesSoFar"/> a running byte count (the bytes of a range are a difference: head trims keep it valid).</summary>
    private readonly record struct Stored(long BaseOffset, long LastOffset, long MaxTimestamp, long MaxTimestampSoFar, long BytesSoFar, ReadOnlyMemory<byte> Data);

    private readonly Lock _gate = new();
    private readonly List<Stored> _batches = [];
    private readonly ProducerSequences _producers = new();
    private readonly TransactionIndex _transactions = new();
    private readonly LogArena _arena = new();
    private TaskCompletionSource _appended = NewSignal();
    private long _bytes;

    public string Topic { get; } = topic;
    public int Partition { get; } = partition;
    private volatile int _leader = leader;

    /// <summary>The broker leading this partition now, or -1 while none of its replicas' brokers is up.</summary>
    public int Leader => _leader;

    /// <summary>The broker that leads when it is up: the first of the partition's replicas.</summary>
    public int PreferredLeader { get; } = leader;

    /// <summary>Moves leadership (a broker stopped or came back; see <see cref="ClusterState.ElectLeaders"/>).</summary>
    internal void SetLeader(int broker) => _leader = broker;

    public long LogStartOffset { get { lock (_gate) return _logStart; } }
    public long HighWatermark { get { lock (_gate) return _next; } }

    /// <summary>The first offset of the earliest open transaction, else the high watermark: where read_committed readers stop.</summary>
    public long LastStableOffset { get { lock (_gate) return _transactions.LastStableOffset(_next); } }

    /// <summary>True while <paramref name="producerId"/> has written to this partition in a transaction not yet ended by a marker.</summary>
    public bool HasOpenTransaction(long producerId) { lock (_gate) return _transactions.IsOpen(producerId); }
    public long SizeInBytes { get { lock (_gate) return _bytes; } }

    private long _logStart;
    private long _next;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next append (or at once if one happened since <paramref name="knownEnd"/>).</summary>
    public Task WaitForAppendAsync(long knownEnd)
    {
        lock (_gate) return _next > knownEnd ? Task.CompletedTask : _appended.Task;
    }

    /// <summary>Loads a batch read back from disk, offsets as stored (startup only, before any client connects).</summary>
    public void Restore(byte[] data)
    {
        if (!RecordBatch.TryRead(data, out var header)) return;
        lock (_gate)
        {
            if (_batches.Count == 0) _logStart = header.BaseOffset;
            var last = header.BaseOffset + header.LastOffsetDelta;
            AddLocked(header.BaseOffset, last, header.MaxTimestamp, _arena.Copy(data));
            _bytes += data.Length;
            _next = last + 1;
            _producers.Appended(header, header.BaseOffset);
            if (header.IsControl) _producers.Fence(header.ProducerId, header.ProducerEpoch);
            _transactions.Track(header, header.BaseOffset, data);
        }
    }

    /// <summary>Applies a log start offset kept on disk by DeleteRecords (startup only; -1: none kept).</summary>
    public void RestoreLogStart(long logStart)
    {
        lock (_gate) if (logStart > _logStart && logStart <= _next) _logStart = logStart;
    }

    /// <summary>Forces appended data to the disk if any came since the last call (<see cref="FsyncMode.Interval"/>).</summary>
    public void SyncIfDirty() => file?.SyncIfDirty();

    /// <summary>
    /// DeleteRecords: moves the log start offset to <paramref name="offset"/> (-1: the high watermark), dropping the
    /// batches wholly below it; a batch it falls inside stays, its records below the new start are no longer served.
    /// Returns the error and the new low watermark.
    /// </summary>
    public (short Error, long LowWatermark) DeleteRecordsBefore(long offset)
    {
        lock (_gate)
        {
            if (offset == -1) offset = _next;
            if (offset < 0 || offset > _next) return (ErrorCode.OffsetOutOfRange, _logStart);
            if (offset <= _logStart) return (ErrorCode.None, _logStart);
            var drop = FirstEndingAtOrAfter(offset);
            foreach (var b in _batches.Take(drop)) _bytes -= b.Data.Length;
            _batches.RemoveRange(0, drop);
            if (drop > 0) _layout++;
            _logStart = offset;
            if (file is not null)
            {
                if (drop > 0) file.Rewrite(_batches.Select(b => b.Data));
                file.SaveLogStart(offset);
            }
            return (ErrorCode.None, _logStart);
        }
    }

    public void Dispose() => file?.Dispose();

    public readonly record struct AppendResult(short Error, long BaseOffset, long LogStartOffset);

    /// <summary>
    /// Appends one validated batch (<paramref name="received"/>, copied into the log's <see cref="LogArena"/>).
    /// Idempotent duplicates are not appended and get the base offset they were first given.
    /// </summary>
    public AppendResult Append(ReadOnlySpan<byte> received, in RecordBatch header, int leaderEpoch)
    {
        TaskCompletionSource wake;
        long baseOffset;
        lock (_gate)
        {
            var verdict = _producers.Check(header);
            if (verdict.Error != ErrorCode.None) return new AppendResult(verdict.Error, -1, _logStart);
            if (verdict.IsDuplicate) return new AppendResult(ErrorCode.None, verdict.DuplicateOf, _logStart);
            baseOffset = AppendLocked(received, header, leaderEpoch);
            wake = _appended;
            _appended = NewSignal();
        }
        wake.TrySetResult();
        return new AppendResult(ErrorCode.None, baseOffset, LogStartOffset);
    }

    /// <summary>
    /// Appends a transaction marker (see <see cref="ControlBatch"/>) for <paramref name="producerId"/>: it closes the
    /// producer's open transaction here and fences its older epochs. Returns the marker's offset.
    /// </summary>
    public long AppendMarker(long producerId, short producerEpoch, bool commit, long timestampMs)
    {
        var marker = ControlBatch.Marker(producerId, producerEpoch, commit, timestampMs);
        RecordBatch.TryRead(marker, out var header);
        TaskCompletionSource wake;
        long offset;
        lock (_gate)
        {
            offset = AppendLocked(marker, header, leaderEpoch: 0);
            _producers.Fence(producerId, producerEpoch);
            wake = _appended;
            _appended = NewSignal();
        }
        wake.TrySetResult();
        return offset;
    }

    private long AppendLocked(ReadOnlySpan<byte> received, in RecordBatch header, int leaderEpoch)
    {
        var baseOffset = _next;
        var data = _arena.Copy(received);
        RecordBatch.SetBaseOffset(data.Span, baseOffset);
        RecordBatch.SetPartitionLeaderEpoch(data.Span, leaderEpoch);
        var last = baseOffset + header.LastOffsetDelta;
        AddLocked(baseOffset, last, header.MaxTimestamp, data);
        _bytes += data.Length;
        _next = last + 1;
        _producers.Appended(header, baseOffset);
        _transactions.Track(header, baseOffset, data.Span);
        file?.Append(data.Span);
        return baseOffset;
    }

    private void AddLocked(long baseOffset, long lastOffset, long maxTimestamp, ReadOnlyMemory<byte> data)
    {
        var (maxSoFar, bytesSoFar) = _batches.Count == 0 ? (maxTimestamp, 0L) : (Math.Max(_batches[^1].MaxTimestampSoFar, maxTimestamp), _batches[^1].BytesSoFar);
        _batches.Add(new Stored(baseOffset, lastOffset, maxTimestamp, maxSoFar, bytesSoFar + data.Length, data));
    }

    /// <summary>
    /// The batches from the one holding <paramref name="offset"/> on, up to <paramref name="maxBytes"/>; the first
    /// batch is returned whole even when larger, if <paramref name="atLeastOne"/> (KIP-74), so a consumer never sticks.
    /// A read_committed read stops at the last stable offset and lists the aborted transactions its batches overlap.
    /// </summary>
    public short Read(long offset, int maxBytes, bool atLeastOne, List<ReadOnlyMemory<byte>> into, out long highWatermark, out long logStart,
        bool readCommitted = false, List<AbortedTransaction>? aborted = null) =>
        Read(offset, maxBytes, atLeastOne, into, out highWatermark, out logStart, out _, readCommitted, aborted);

    public short Read(long offset, int maxBytes, bool atLeastOne, List<ReadOnlyMemory<byte>> into, out long highWatermark, out long logStart,
        out long lastStable, bool readCommitted, List<AbortedTransaction>? aborted)
    {
        lock (_gate)
        {
            highWatermark = _next;
            logStart = _logStart;
            lastStable = _transactions.LastStableOffset(_next);
            if (offset < _logStart || offset > _next) return ErrorCode.OffsetOutOfRange;
            var limit = readCommitted ? lastStable : _next;
            var index = FirstEndingAtOrAfter(offset);
            var total = 0;
            var end = offset;
            for (var i = index; i < _batches.Count && _batches[i].BaseOffset < limit; i++)
            {
                var data = _batches[i].Data;
                if (total + data.Length > maxBytes && !(atLeastOne && total == 0)) break;
                into.Add(data);
                total += data.Length;
                end = _batches[i].LastOffset + 1;
            }
            if (readCommitted && aborted is not null && end > offset) _transactions.Overlapping(offset, end, aborted);
            return ErrorCode.None;
        }
    }

    // First batch whose last offset is >= offset: binary search over increasing last offsets.
    private int FirstEndingAtOrAfter(long offset)
    {
        int lo = 0, hi = _batches.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_batches[mid].LastOffset < offset) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Earliest offset whose record timestamp is at least <paramref name="timestamp"/>, or null.</summary>
    public (long Offset, long Timestamp)? OffsetForTimestamp(long timestamp)
    {
        lock (_gate)
        {
            int lo = 0, hi = _batches.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_batches[mid].MaxTimestampSoFar < timestamp) lo = mid + 1; else hi = mid;
            }
            for (var i = lo; i < _batches.Count; i++)
                if (RecordBatch.FirstOffsetAtOrAfter(_batches[i].Data.Span, timestamp, _logStart) is { } found) return found;
            return null;
        }
    }

    /// <summary>
    /// Drops whole batches from the head while the log is over <paramref name="retentionBytes"/> or its batches are
    /// older than <paramref name="retentionMs"/> (by their max timestamp); the last batch always stays. -1 disables.
    /// </summary>
    public int ApplyRetention(long retentionMs, long retentionBytes, long nowMs)
    {
        lock (_gate)
        {
            var drop = 0;
            var bytes = _bytes;
            while (drop < _batches.Count - 1)
            {
                var b = _batches[drop];
                var tooBig = retentionBytes >= 0 && bytes > retentionBytes;
                var tooOld = retentionMs >= 0 && nowMs - b.MaxTimestamp > retentionMs;
                if (!tooBig && !tooOld) break;
                bytes -= b.Data.Length;
                drop++;
            }
            if (drop == 0) return 0;
            _batches.RemoveRange(0, drop);
            _layout++;
            _bytes = bytes;
            _logStart = Math.Max(_logStart, _batches[0].BaseOffset);
            _transactions.TrimBefore(_logStart);
            file?.Rewrite(_batches.Select(b => b.Data));
            return drop;
        }
    }
}
