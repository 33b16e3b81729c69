namespace ContactCenter.Broker.Log;

/// <summary>A transaction that was aborted in one partition: its producer and the offsets from its first batch to its marker.</summary>
internal readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset);

/// <summary>
/// A partition's view of transactions, rebuilt from its batches (so a reloaded log rebuilds it too): the first offset
/// of every open transaction (the smallest is the last stable offset) and the aborted transactions in marker order,
/// which read_committed fetches hand to the client so that it drops their records. Not thread-safe: the partition log
/// calls it under its lock.
/// </summary>
internal sealed class TransactionIndex
{
    private readonly Dictionary<long, long> _open = new();
    private readonly List<AbortedTransaction> _aborted = [];

    /// <summary>Follows one appended batch: a transactional data batch opens its producer's transaction, a marker ends it.</summary>
    public void Track(in RecordBatch header, long baseOffset, ReadOnlySpan<byte> batch)
    {
        if (!header.IsTransactional) return;
        if (!header.IsControl)
        {
            _open.TryAdd(header.ProducerId, baseOffset);
            return;
        }
        if (!_open.Remove(header.ProducerId, out var first)) return; // a marker for a transaction that wrote nothing here
        if (ControlBatch.IsCommit(batch) == false) _aborted.Add(new AbortedTransaction(header.ProducerId, first, baseOffset));
    }

    /// <summary>The first offset no read_committed reader may pass: the earliest open transaction's, else <paramref name="end"/>.</summary>
    public long LastStableOffset(long end)
    {
        var lso = end;
        foreach (var first in _open.Values) lso = Math.Min(lso, first);
        return lso;
    }

    public bool IsOpen(long producerId) => _open.ContainsKey(producerId);

    /// <summary>The aborted transactions that overlap offsets [<paramref name="from"/>, <paramref name="toExclusive"/>).</summary>
    public void Overlapping(long from, long toExclusive, List<AbortedTransaction> into)
    {
        int lo = 0, hi = _aborted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_aborted[mid].LastOffset < from) lo = mid + 1; else hi = mid;
        }
        for (var i = lo; i < _aborted.Count; i++)
            if (_aborted[i].FirstOffset < toExclusive) into.Add(_aborted[i]);
    }

    /// <summary>Per producer, the offset ranges of its aborted transactions (for compaction, which must not keep their records).</summary>
    public Dictionary<long, List<(long First, long Last)>> AbortedByProducer()
    {
        var result = new Dictionary<long, List<(long, long)>>();
        foreach (var a in _aborted)
        {
            if (!result.TryGetValue(a.ProducerId, out var ranges)) result[a.ProducerId] = ranges = [];
            ranges.Add((a.FirstOffset, a.LastOffset));
        }
        return result;
    }

    /// <summary>Forgets aborted transactions wholly before the log start (retention removed them).</summary>
    public void TrimBefore(long logStart) => _aborted.RemoveAll(a => a.LastOffset < logStart);
}
