namespace ContactCenter.Topology.Aggregation;

/// <summary>
/// Strings that repeat from record to record (part and field names, and values such as a status, a skill or an agent's
/// name, which every event of that agent carries again), made once per thread instead of once per decode: an aggregate
/// is decoded twice per event (the merge stage reads the stored one, the state stage the derived record). Direct-mapped
/// by a hash of the UTF-8 bytes, <see cref="Slots"/> slots of strings up to <see cref="MaxBytes"/> bytes: a lookup is
/// one hash and one compare, memory is bounded, and a value that never repeats (a timestamp) only replaces its slot.
/// </summary>
internal sealed class Utf8StringCache
{
    public const int Slots = 2048;
    public const int MaxBytes = 64;

    [ThreadStatic] private static Utf8StringCache? _current;

    private readonly byte[]?[] _utf8 = new byte[Slots][];
    private readonly string?[] _strings = new string[Slots];

    /// <summary>This thread's cache.</summary>
    public static Utf8StringCache Current => _current ??= new Utf8StringCache();

    /// <summary>The string of <paramref name="utf8"/> (unescaped UTF-8), reused when this thread made it before.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 0) return string.Empty;
        if (utf8.Length > MaxBytes) return System.Text.Encoding.UTF8.GetString(utf8);
        var hash = new HashCode();
        hash.AddBytes(utf8);
        var slot = hash.ToHashCode() & (Slots - 1);
        if (_utf8[slot] is { } cached && utf8.SequenceEqual(cached)) return _strings[slot]!;
        var text = System.Text.Encoding.UTF8.GetString(utf8);
        _utf8[slot] = utf8.ToArray();
        _strings[slot] = text;
        return text;
    }
}
