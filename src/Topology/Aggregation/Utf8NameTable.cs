namespace ContactCenter.Topology.Aggregation;

/// <summary>
/// The strings of JSON property names that repeat in every record (part names, field names), made once per thread:
/// decoding an aggregate otherwise allocates each of them again for every record, twice per event (the merge stage
/// decodes the stored aggregate, the state stage the derived record). Bounded: past <see cref="Capacity"/> distinct
/// names the rest are allocated as before, so a topology with unusual names costs what it did, never more memory.
/// </summary>
internal sealed class Utf8NameTable
{
    public const int Capacity = 256;

    [ThreadStatic] private static Utf8NameTable? _current;

    private readonly byte[][] _utf8 = new byte[Capacity][];
    private readonly string[] _names = new string[Capacity];
    private int _count;

    /// <summary>This thread's table.</summary>
    public static Utf8NameTable Current => _current ??= new Utf8NameTable();

    /// <summary>The string for <paramref name="utf8"/> (unescaped UTF-8), from the table when it is there.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        // Linear: a topology has a few dozen names; a span compare of short names beats hashing them.
        for (var i = 0; i < _count; i++)
        {
            if (utf8.SequenceEqual(_utf8[i])) return _names[i];
        }
        var name = System.Text.Encoding.UTF8.GetString(utf8);
        if (_count < Capacity)
        {
            _utf8[_count] = utf8.ToArray();
            _names[_count] = name;
            _count++;
        }
        return name;
    }
}
