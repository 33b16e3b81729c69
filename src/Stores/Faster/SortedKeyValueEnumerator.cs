using System.Collections;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State.Enumerator;

namespace ContactCenter.Stores.Faster;

/// <summary>Enumerator over an already sorted snapshot, forwards or backwards (Streamiz's <see cref="IKeyValueEnumerator{K,V}"/> contract).</summary>
internal sealed class SortedKeyValueEnumerator(IReadOnlyList<KeyValuePair<Bytes, byte[]>> items, bool forward) : IKeyValueEnumerator<Bytes, byte[]>
{
    private int position = -1;

    public KeyValuePair<Bytes, byte[]>? Current =>
        position >= 0 && position < items.Count ? items[forward ? position : items.Count - 1 - position] : null;

    object? IEnumerator.Current => Current;

    public bool MoveNext()
    {
        if (position < items.Count) position++;
        return position < items.Count;
    }

    /// <summary>Key at the enumerator's position, as Streamiz's own in-memory enumerator does; null when exhausted.</summary>
    public Bytes PeekNextKey() => Current?.Key!;

    public void Reset() => position = -1;

    public void Dispose() { }
}
