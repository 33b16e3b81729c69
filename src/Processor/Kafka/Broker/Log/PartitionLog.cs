using ContactCenter.Processor.Kafka.Broker.Protocol;

namespace ContactCenter.Processor.Kafka.Broker.Log;

/// <summary>
/// One partition's log in memory: record batches in offset order, as the producer sent them with the base offset
/// filled in. Lookups by offset and by timestamp are binary searches (the last offsets are increasing; the running
/// maximum timestamp is the time index). Appends wake every fetch waiting on the partition.
/// </summary>
internal sealed class PartitionLog(string topic, int partition, int leader)
{
    private readonly record struct Stored(long BaseOffset, long LastOffset, long MaxTimestampSoFar, byte[] Data);

    private readonly Lock _gate = new();
    private readonly List<Stored> _batches = [];
    private readonly ProducerSequences _producers = new();
    private TaskCompletionSource _appended = NewSignal();
    private long _bytes;

    public string Topic { get; } = topic;
    public int Partition { get; } = partition;
    public int Leader { get; } = leader;

    public long LogStartOffset { get { lock (_gate) return _logStart; } }
    public long HighWatermark { get { lock (_gate) return _next; } }
    public long SizeInBytes { get { lock (_gate) return _bytes; } }

    private long _logStart;
    private long _next;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next append (or at once if one happened since <paramref name="knownEnd"/>).</summary>
    public Task WaitForAppendAsync(long knownEnd)
    {
        lock (_gate) return _next > knownEnd ? Task.CompletedTask : _appended.Task;
    }

    public readonly record struct AppendResult(short Error, long BaseOffset, long LogStartOffset);

    /// <summary>
    /// Appends one validated batch (<paramref name="data"/> becomes the log's: the caller must not reuse it).
    /// Idempotent duplicates are not appended and get the base offset they were first given.
    /// </summary>
    public AppendResult Append(byte[] data, in RecordBatch header, int leaderEpoch)
    {
        TaskCompletionSource wake;
        long baseOffset;
        lock (_gate)
        {
            var verdict = _producers.Check(header);
            if (verdict.Error != ErrorCode.None) return new AppendResult(verdict.Error, -1, _logStart);
            if (verdict.IsDuplicate) return new AppendResult(ErrorCode.None, verdict.DuplicateOf, _logStart);
            baseOffset = _next;
            RecordBatch.SetBaseOffset(data, baseOffset);
            RecordBatch.SetPartitionLeaderEpoch(data, leaderEpoch);
            var last = baseOffset + header.LastOffsetDelta;
            var maxSoFar = _batches.Count == 0 ? header.MaxTimestamp : Math.Max(_batches[^1].MaxTimestampSoFar, header.MaxTimestamp);
            _batches.Add(new Stored(baseOffset, last, maxSoFar, data));
            _bytes += data.Length;
            _next = last + 1;
            _producers.Appended(header, baseOffset);
            wake = _appended;
            _appended = NewSignal();
        }
        wake.TrySetResult();
        return new AppendResult(ErrorCode.None, baseOffset, LogStartOffset);
    }

    /// <summary>
    /// The batches from the one holding <paramref name="offset"/> on, up to <paramref name="maxBytes"/>; the first
    /// batch is returned whole even when larger, if <paramref name="atLeastOne"/> (KIP-74), so a consumer never sticks.
    /// </summary>
    public short Read(long offset, int maxBytes, bool atLeastOne, List<byte[]> into, out long highWatermark, out long logStart)
    {
        lock (_gate)
        {
            highWatermark = _next;
            logStart = _logStart;
            if (offset < _logStart || offset > _next) return ErrorCode.OffsetOutOfRange;
            var index = FirstEndingAtOrAfter(offset);
            var total = 0;
            for (var i = index; i < _batches.Count; i++)
            {
                var data = _batches[i].Data;
                if (total + data.Length > maxBytes && !(atLeastOne && total == 0)) break;
                into.Add(data);
                total += data.Length;
            }
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
                if (RecordBatch.FirstOffsetAtOrAfter(_batches[i].Data, timestamp) is { } found) return found;
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
                var tooOld = retentionMs >= 0 && RecordBatch.TryRead(b.Data, out var h) && nowMs - h.MaxTimestamp > retentionMs;
                if (!tooBig && !tooOld) break;
                bytes -= b.Data.Length;
                drop++;
            }
            if (drop == 0) return 0;
            _batches.RemoveRange(0, drop);
            _bytes = bytes;
            _logStart = _batches[0].BaseOffset;
            return drop;
        }
    }
}
