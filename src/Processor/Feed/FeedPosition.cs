using System.Globalization;
using System.Text;

namespace ContactCenter.Processor.Feed;

/// <summary>
/// Where a feed client stands: per partition of the state stage's input, the highest offset whose changes the client
/// holds (-1: none). It is the SSE event id, spelled <c>partition:offset</c> pairs joined by commas (<c>0:120,3:98</c>),
/// so it means the same on every pod: offsets are the topic's, not a pod's counter, and every pod sees every partition's
/// changes on the shared channel. The rule it carries: the client holds the latest state of every key whose last change
/// on partition p has an offset up to position[p].
/// </summary>
internal sealed class FeedPosition
{
    private readonly long[] _offsets;

    public FeedPosition(int partitions)
    {
        _offsets = new long[partitions];
        Array.Fill(_offsets, -1);
    }

    public int Partitions => _offsets.Length;

    public long this[int partition]
    {
        get => _offsets[partition];
        set => _offsets[partition] = value;
    }

    /// <summary>Parses an event id; an empty or missing id is the empty position. Throws <see cref="FormatException"/>
    /// with the reason for anything else that is not a valid id for <paramref name="partitions"/> partitions.</summary>
    public static FeedPosition Parse(string? id, int partitions)
    {
        var position = new FeedPosition(partitions);
        if (string.IsNullOrWhiteSpace(id)) return position;
        foreach (var pair in id.Split(','))
        {
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0
                || !int.TryParse(pair.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                || !long.TryParse(pair.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                throw new FormatException($"'{pair}' is not partition:offset");
            if (partition >= partitions)
                throw new FormatException($"partition {partition} does not exist (the input has {partitions})");
            position._offsets[partition] = offset;
        }
        return position;
    }

    /// <summary>Whether a change at (<paramref name="partition"/>, <paramref name="offset"/>) is news to the client.</summary>
    public bool IsNew(int partition, long offset) => partition >= _offsets.Length || offset > _offsets[partition];

    public void Advance(int partition, long offset)
    {
        if (partition < _offsets.Length && offset > _offsets[partition]) _offsets[partition] = offset;
    }

    public override string ToString()
    {
        var id = new StringBuilder(_offsets.Length * 8);
        for (var p = 0; p < _offsets.Length; p++)
        {
            if (_offsets[p] < 0) continue;
            if (id.Length > 0) id.Append(',');
            id.Append(CultureInfo.InvariantCulture, $"{p}:{_offsets[p]}");
        }
        return id.ToString();
    }
}
