using FASTER.core;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State.Enumerator;

namespace ContactCenter.Stores.Faster;

// Ordered operations. FASTER's index is a hash, so there is no key order to walk: each call scans the
// log once (memory and disk parts), keeps the newest version of each key in the range, and sorts the
// survivors. Cost: O(log bytes) I/O + O(m log m) for m matching keys, and O(m) memory for the
// snapshot. Fine for interactive queries and tests; the pipeline's hot path uses point operations only.
public sealed partial class FasterKeyValueStore
{
    /// <summary>Keys in [from, to] (inclusive, by key bytes), ascending. Empty when from &gt; to. Scans the whole log.</summary>
    public IKeyValueEnumerator<Bytes, byte[]> Range(Bytes from, Bytes to) => RangeEnumerator(from, to, forward: true);

    /// <summary>Keys in [from, to] (inclusive, by key bytes), descending. Empty when from &gt; to. Scans the whole log.</summary>
    public IKeyValueEnumerator<Bytes, byte[]> ReverseRange(Bytes from, Bytes to) => RangeEnumerator(from, to, forward: false);

    /// <summary>Every key, ascending by key bytes. The snapshot is taken when the call is made. Scans the whole log.</summary>
    public IEnumerable<KeyValuePair<Bytes, byte[]>> All() => Snapshot(null, null);

    /// <summary>Every key, descending by key bytes. Scans the whole log.</summary>
    public IEnumerable<KeyValuePair<Bytes, byte[]>> ReverseAll()
    {
        var items = Snapshot(null, null);
        items.Reverse();
        return items;
    }

    private IKeyValueEnumerator<Bytes, byte[]> RangeEnumerator(Bytes? from, Bytes? to, bool forward)
    {
        if (from is not null && to is not null && ByteKeyComparer.Instance.Compare(from.Get, to.Get) > 0)
        {
            log.LogWarning("Store {Store}: empty range because from > to (Streamiz orders keys by their serialized bytes)", Name);
            return new SortedKeyValueEnumerator([], forward);
        }
        return new SortedKeyValueEnumerator(Snapshot(from?.Get, to?.Get), forward);
    }

    private List<KeyValuePair<Bytes, byte[]>> Snapshot(byte[]? from, byte[]? to)
    {
        using var lease = Lease();
        // The scan only finds candidate keys (every key that has a record in range, live or not); a
        // point read then decides liveness and yields the value, so a scan racing with the writer
        // never returns a torn or superseded value.
        var keys = new HashSet<byte[]>(ByteKeyComparer.Instance);
        var byContent = keys.GetAlternateLookup<ReadOnlySpan<byte>>();
        using (var scan = kv!.Log.Scan(kv.Log.BeginAddress, kv.Log.TailAddress))
        {
            while (scan.GetNext(out _))
            {
                var key = scan.GetKey().AsReadOnlySpan();
                if (from is not null && key.SequenceCompareTo(from) < 0) continue;
                if (to is not null && key.SequenceCompareTo(to) > 0) continue;
                byContent.Add(key);
            }
        }
        var sorted = keys.ToArray();
        Array.Sort(sorted, ByteKeyComparer.Instance);
        var items = new List<KeyValuePair<Bytes, byte[]>>(sorted.Length);
        foreach (var key in sorted)
            if (Read(lease.Session, key) is { } value) items.Add(new(Bytes.Wrap(key), value));
        return items;
    }
}
