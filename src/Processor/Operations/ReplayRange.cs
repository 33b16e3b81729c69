using System.Globalization;

namespace ContactCenter.Processor.Operations;

/// <summary>Where a replay starts (<c>--from</c>).</summary>
internal abstract record RangeStart
{
    public sealed record Earliest : RangeStart;

    /// <summary>The stage's progress in Redis: the offset after the last one it applied.</summary>
    public sealed record Redis : RangeStart;

    public sealed record Offset(long Value) : RangeStart;

    /// <summary>Only the listed partitions, each from its own offset.</summary>
    public sealed record PerPartition(IReadOnlyDictionary<int, long> Offsets) : RangeStart;

    public sealed record Time(DateTimeOffset Value) : RangeStart;
}

/// <summary>Where a replay stops (<c>--to</c>, exclusive).</summary>
internal abstract record RangeEnd
{
    /// <summary>The first record stamped at or after the moment the command started.</summary>
    public sealed record Now : RangeEnd;

    /// <summary>The end offset of each partition when the command started.</summary>
    public sealed record LatestAtStart : RangeEnd;

    public sealed record Offset(long Value) : RangeEnd;

    public sealed record Time(DateTimeOffset Value) : RangeEnd;
}

/// <summary>One partition's resolved range [From, To) within the log's bounds [Earliest, End), and how each end was found.</summary>
internal sealed record PartitionRange(int Partition, long From, long To, long Earliest, long End, string FromHow, string ToHow)
{
    public long Records => To - From;
}

/// <summary>Parses <c>--from</c> / <c>--to</c> and resolves them, per partition, against the log.</summary>
internal static class ReplayRange
{
    /// <summary>
    /// An end given before the start in the same terms (two times, two offsets) is refused before anything is read: it
    /// would resolve to an empty range and look like a replay that found nothing to do.
    /// </summary>
    public static string? CheckOrder(RangeStart start, RangeEnd end) => (start, end) switch
    {
        (RangeStart.Time from, RangeEnd.Time to) when to.Value <= from.Value => $"--to {to.Value:O} is not after --from {from.Value:O}: the range would be empty",
        (RangeStart.Offset from, RangeEnd.Offset to) when to.Value <= from.Value => $"--to {to.Value} is not after --from {from.Value}: the range would be empty",
        (RangeStart.PerPartition from, RangeEnd.Offset to) when from.Offsets.Values.Any(o => to.Value <= o) =>
            $"--to {to.Value} is not after --from {string.Join(",", from.Offsets.Where(o => to.Value <= o.Value).Select(o => $"{o.Key}:{o.Value}"))}: the range would be empty",
        _ => null,
    };

    public static bool TryParseStart(string text, out RangeStart start, out string? error)
    {
        error = null;
        start = new RangeStart.Earliest();
        var trimmed = text.Trim();
        if (trimmed.Equals("earliest", StringComparison.OrdinalIgnoreCase))
            return true;
        if (trimmed.Equals("redis", StringComparison.OrdinalIgnoreCase))
        {
            start = new RangeStart.Redis();
            return true;
        }
        if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            start = new RangeStart.Offset(offset);
            return true;
        }
        if (trimmed.Contains(':') && !trimmed.Contains('T') && !trimmed.Contains('-'))
        {
            var offsets = new Dictionary<int, long>();
            foreach (var part in trimmed.Split(',', StringSplitOptions.TrimEntries))
            {
                var pieces = part.Split(':');
                if (pieces.Length != 2
                    || !int.TryParse(pieces[0], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
                    || !long.TryParse(pieces[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    error = $"--from: '{part}' is not PARTITION:OFFSET";
                    return false;
                }
                if (!offsets.TryAdd(partition, value))
                {
                    error = $"--from: partition {partition} is listed twice";
                    return false;
                }
            }
            start = new RangeStart.PerPartition(offsets);
            return true;
        }
        if (TryParseTime(trimmed, out var time))
        {
            start = new RangeStart.Time(time);
            return true;
        }
        error = $"--from: '{text}' is none of earliest, redis, an offset, PARTITION:OFFSET,... or a date-time (ISO 8601, UTC unless it says otherwise)";
        return false;
    }

    public static bool TryParseEnd(string text, out RangeEnd end, out string? error)
    {
        error = null;
        end = new RangeEnd.Now();
        var trimmed = text.Trim();
        if (trimmed.Equals("now", StringComparison.OrdinalIgnoreCase))
            return true;
        if (trimmed.Equals("latest-at-start", StringComparison.OrdinalIgnoreCase))
        {
            end = new RangeEnd.LatestAtStart();
            return true;
        }
        if (long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            end = new RangeEnd.Offset(offset);
            return true;
        }
        if (TryParseTime(trimmed, out var time))
        {
            end = new RangeEnd.Time(time);
            return true;
        }
        error = $"--to: '{text}' is none of now, latest-at-start, an offset or a date-time (ISO 8601, UTC unless it says otherwise)";
        return false;
    }

    /// <summary>ISO 8601 date or date-time; without an offset it is UTC.</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
        && text.Length >= 10 && char.IsDigit(text[0]);

    /// <summary>
    /// Resolves the range on each of <paramref name="partitions"/>; every partition whose range leaves the log is
    /// reported in <paramref name="errors"/> with the log's real bounds (nothing is clamped).
    /// </summary>
    public static IReadOnlyList<PartitionRange> Resolve(RangeStart start, RangeEnd end, int partitions, IPartitionLog log, IOffsetForTime times,
        IReadOnlyDictionary<int, long> redisOffsets, DateTimeOffset startedAt, List<string> errors)
    {
        if (start is RangeStart.PerPartition listed)
        {
            foreach (var partition in listed.Offsets.Keys.Where(p => p < 0 || p >= partitions).Order())
                errors.Add($"partition {partition}: {log.Topic} has partitions 0..{partitions - 1}");
        }
        var ranges = new List<PartitionRange>();
        for (var partition = 0; partition < partitions; partition++)
        {
            if (start is RangeStart.PerPartition only && !only.Offsets.ContainsKey(partition))
                continue;
            var (earliest, logEnd) = log.Bounds(partition);
            var bounds = $"the log of {log.Topic}[{partition}] holds offsets {earliest}..{logEnd - 1} (end {logEnd})";
            long from;
            string fromHow;
            switch (start)
            {
                case RangeStart.Earliest:
                    (from, fromHow) = (earliest, "earliest");
                    break;
                case RangeStart.Redis:
                    if (redisOffsets.TryGetValue(partition, out var applied))
                        (from, fromHow) = (applied + 1, "redis");
                    else
                        (from, fromHow) = (earliest, "earliest (no offset in Redis)");
                    break;
                case RangeStart.Offset o:
                    (from, fromHow) = (o.Value, "offset");
                    break;
                case RangeStart.PerPartition p:
                    (from, fromHow) = (p.Offsets[partition], "offset");
                    break;
                case RangeStart.Time t:
                    if (t.Value > startedAt)
                    {
                        errors.Add($"partition {partition}: --from {t.Value:O} is in the future");
                        continue;
                    }
                    var found = times.Find(partition, t.Value, earliest, logEnd);
                    if (earliest > 0 && found.Offset == earliest && log.ReadAt(partition, earliest, logEnd) is { } first && first.TimestampMs > t.Value.ToUnixTimeMilliseconds())
                    {
                        errors.Add($"partition {partition}: --from {t.Value:O} is before the oldest record still kept ({DateTimeOffset.FromUnixTimeMilliseconds(first.TimestampMs):O}, offset {earliest}); older records were deleted");
                        continue;
                    }
                    (from, fromHow) = (found.Offset, $"time ({Describe(found.How)})");
                    break;
                default:
                    throw new InvalidOperationException(start.ToString());
            }
            if (from < earliest || from > logEnd)
            {
                errors.Add($"partition {partition}: --from {from} is outside the log: {bounds}");
                continue;
            }
            long to;
            string toHow;
            switch (end)
            {
                case RangeEnd.LatestAtStart:
                    (to, toHow) = (logEnd, "latest-at-start");
                    break;
                case RangeEnd.Offset o:
                    (to, toHow) = (o.Value, "offset");
                    break;
                case RangeEnd.Now:
                    var now = times.Find(partition, startedAt, earliest, logEnd);
                    (to, toHow) = (now.Offset, $"now ({Describe(now.How)})");
                    break;
                case RangeEnd.Time t:
                    if (t.Value > startedAt)
                    {
                        errors.Add($"partition {partition}: --to {t.Value:O} is in the future");
                        continue;
                    }
                    var found = times.Find(partition, t.Value, earliest, logEnd);
                    (to, toHow) = (found.Offset, $"time ({Describe(found.How)})");
                    break;
                default:
                    throw new InvalidOperationException(end.ToString());
            }
            if (to > logEnd || to < earliest)
            {
                errors.Add($"partition {partition}: --to {to} is outside the log: {bounds}");
                continue;
            }
            if (to < from)
            {
                errors.Add($"partition {partition}: --to {to} is before --from {from}");
                continue;
            }
            ranges.Add(new PartitionRange(partition, from, to, earliest, logEnd, fromHow, toHow));
        }
        return ranges;
    }

    private static string Describe(TimeLookup how) => how == TimeLookup.Broker ? "broker time index" : "searched record timestamps";
}
