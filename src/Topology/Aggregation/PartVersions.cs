using System.Globalization;

namespace ContactCenter.Topology.Aggregation;

/// <summary>
/// An aggregate's per-part versions as one text, <c>agent=5,feature=3,voice=7</c> (parts in name order): what the state
/// stage writes beside each hash (field <c>_v</c>) and each tombstone, so that the Redis fence can compare two states of
/// one agent part by part where their offsets do not compare (a migration's two generations, docs/pipeline.md,
/// "Generations"). The merge keeps the highest version per part, so of two states of one agent the newer one is the one
/// whose every part is at least as new.
/// </summary>
/// <remarks>Part names of a topology are ASCII letters, digits and <c>. _ -</c> and versions non-negative, so the text
/// needs no escaping and the Lua fence compares versions as canonical decimal strings. The fence's side (which texts it
/// accepts, how two compare) is <c>ContactCenter.Stores.Redis.PartVersionVector</c>, which also refuses the text of an
/// aggregate that did not come from a merge stage (a hostile derived record).</remarks>
public static class PartVersions
{
    /// <summary>Header of a derived-topic tombstone: the deleted aggregate's part versions (the value is null, so it
    /// cannot carry them).</summary>
    public const string Header = "cc-part-versions";

    /// <summary>The text for <paramref name="aggregate"/>, written as it is (names and versions unchecked).</summary>
    public static string Format(UserAggregate aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        var length = 0;
        foreach (var part in aggregate.Parts)
            length += (length == 0 ? 0 : 1) + part.Name.Length + 1 + Width(part.Version);
        return string.Create(length, aggregate, static (span, a) =>
        {
            var at = 0;
            foreach (var part in a.Parts)
            {
                if (at > 0) span[at++] = ',';
                part.Name.AsSpan().CopyTo(span[at..]);
                at += part.Name.Length;
                span[at++] = '=';
                part.Version.TryFormat(span[at..], out var written, default, CultureInfo.InvariantCulture);
                at += written;
            }
        });
    }

    private static int Width(long value)
    {
        if (value == long.MinValue) return 20;
        var n = value < 0 ? 2 : 1;
        value = Math.Abs(value);
        while (value >= 10) { value /= 10; n++; }
        return n;
    }
}
