using System.Runtime.InteropServices;

namespace ContactCenter.Broker.Log;

/// <summary>
/// Compaction of a partition, as Kafka's log cleaner does it: a pass only when the dirty part of the cleanable log
/// (appended since the last pass) is at least <c>min.cleanable.dirty.ratio</c> of it, so the cost per appended byte is
/// bounded however long the log grows; the records are read and rewritten outside the partition's lock (batches in
/// the arena never change once appended), and the lock is taken again only to swap the cleaned batches in.
/// </summary>
internal sealed partial class PartitionLog
{
    // Where the last pass ended (offsets below it are the clean part), and when a kept tombstone next expires.
    private long _cleanedTo;
    private long _tombstonesDueMs = long.MaxValue;

    // Bumped whenever batches are removed or replaced (not by appends): a pass whose snapshot is outdated is dropped.
    private long _layout;

    /// <summary>
    /// One compaction pass if one is due (<see cref="LogCompactor"/>): keeps the latest record of each key among the
    /// batches that are decided (below the last stable offset, aborted transactions ignored) and rewrites the cleanable
    /// ones: every batch but the last (the "active segment") that is older than <paramref name="minCompactionLagMs"/>
    /// (Kafka's <c>min.compaction.lag.ms</c>, by the running maximum timestamp). Due when the dirty cleanable bytes are
    /// at least <paramref name="minCleanableDirtyRatio"/> of all cleanable bytes, or when a tombstone kept by an earlier
    /// pass has outlived <paramref name="deleteRetentionMs"/>. Returns the number of records removed.
    /// </summary>
    public int Compact(long deleteRetentionMs, long nowMs, long minCompactionLagMs = 0, double minCleanableDirtyRatio = 0.5)
    {
        Stored[] snapshot;
        int cleanable;
        long layout;
        Dictionary<long, List<(long First, long Last)>> aborted;
        lock (_gate)
        {
            if (_batches.Count < 2) return 0;
            var decided = Math.Min(FirstEndingAtOrAfter(_transactions.LastStableOffset(_next)), _batches.Count);
            cleanable = Math.Min(decided, _batches.Count - 1);
            if (minCompactionLagMs > 0) cleanable = Math.Min(cleanable, FirstNewerThan(nowMs - minCompactionLagMs));
            if (cleanable == 0) return 0;
            var firstDirty = Math.Min(FirstEndingAtOrAfter(_cleanedTo), cleanable);
            var clean = BytesOf(0, firstDirty);
            var dirty = BytesOf(firstDirty, cleanable);
            var ratioDue = dirty > 0 && dirty >= minCleanableDirtyRatio * (clean + dirty);
            if (!ratioDue && nowMs < _tombstonesDueMs) return 0;
            snapshot = CollectionsMarshal.AsSpan(_batches)[..decided].ToArray();
            layout = _layout;
            aborted = _transactions.AbortedByProducer();
        }

        var (cleaned, removed, tombstonesDue) = Clean(snapshot, cleanable, aborted, deleteRetentionMs, nowMs);

        lock (_gate)
        {
            // Batches were trimmed from the head meanwhile (retention, DeleteRecords): the next pass starts over.
            if (_layout != layout) return 0;
            var rest = _batches.Skip(cleanable).ToList();
            _batches.Clear();
            foreach (var b in cleaned) AddLocked(b.BaseOffset, b.LastOffset, b.MaxTimestamp, b.Data);
            foreach (var b in rest) AddLocked(b.BaseOffset, b.LastOffset, b.MaxTimestamp, b.Data);
            _bytes = _batches.Count == 0 ? 0 : _batches[^1].BytesSoFar;
            _cleanedTo = snapshot[cleanable - 1].LastOffset + 1;
            _tombstonesDueMs = tombstonesDue;
            _layout++;
            return removed;
        }
    }

    /// <summary>The cleaned form of <paramref name="snapshot"/>'s first <paramref name="cleanable"/> batches, the records
    /// removed, and when the earliest tombstone kept expires.</summary>
    private static (List<Stored> Cleaned, int Removed, long TombstonesDueMs) Clean(Stored[] snapshot, int cleanable,
        Dictionary<long, List<(long First, long Last)>> aborted, long deleteRetentionMs, long nowMs)
    {
        var parsed = new LogCompactor.BatchRecords?[snapshot.Length];
        var latest = new Dictionary<byte[], long>(ByteKeyComparer.Instance);
        for (var i = 0; i < snapshot.Length; i++)
        {
            if (IsAborted(snapshot[i], aborted)) continue;
            try { parsed[i] = LogCompactor.Records(snapshot[i].Data.Span); }
            catch (InvalidDataException) { parsed[i] = null; }
            if (parsed[i] is not { } records) continue;
            foreach (var record in records.Spans)
                if (record.Key is not null) latest[record.Key] = record.Offset;
        }
        var removed = 0;
        var tombstonesDue = long.MaxValue;
        var cleaned = new List<Stored>(cleanable);
        for (var i = 0; i < cleanable; i++)
        {
            var stored = snapshot[i];
            if (parsed[i] is not { } batch) { cleaned.Add(stored); continue; }
            var tombstonesExpired = nowMs - stored.MaxTimestamp > deleteRetentionMs;
            var keep = batch.Spans.Where(r => r.Key is null ||
                (latest[r.Key] == r.Offset && !(r.Tombstone && tombstonesExpired))).ToList();
            if (keep.Any(r => r.Tombstone)) tombstonesDue = Math.Min(tombstonesDue, stored.MaxTimestamp + deleteRetentionMs + 1);
            if (keep.Count == batch.Spans.Count) { cleaned.Add(stored); continue; }
            removed += batch.Spans.Count - keep.Count;
            if (LogCompactor.Rewrite(stored.Data.Span, batch, keep) is { } rewritten)
                cleaned.Add(stored with { Data = rewritten });
        }
        return (cleaned, removed, tombstonesDue);
    }

    private static bool IsAborted(in Stored stored, Dictionary<long, List<(long First, long Last)>> aborted)
    {
        if (aborted.Count == 0 || !RecordBatch.TryRead(stored.Data.Span, out var header) || !header.IsTransactional) return false;
        if (!aborted.TryGetValue(header.ProducerId, out var ranges)) return false;
        foreach (var (first, last) in ranges)
            if (stored.BaseOffset >= first && stored.BaseOffset <= last) return true;
        return false;
    }

    // First batch whose running maximum timestamp is above cutoffMs (the running maximum only grows).
    private int FirstNewerThan(long cutoffMs)
    {
        int lo = 0, hi = _batches.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_batches[mid].MaxTimestampSoFar <= cutoffMs) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    // Bytes of the batches [from, to).
    private long BytesOf(int from, int to) =>
        to <= from ? 0 : _batches[to - 1].BytesSoFar - (from == 0 ? _batches[0].BytesSoFar - _batches[0].Data.Length : _batches[from - 1].BytesSoFar);
}
