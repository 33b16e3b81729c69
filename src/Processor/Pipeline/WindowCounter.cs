using ContactCenter.Stores.Faster;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Processor.Pipeline;

/// <summary>A window whose count Redis must hold: the absolute count of one input partition, fenced by the offset that made it.</summary>
internal readonly record struct WindowUpdate(string RedisKey, int Partition, long Start, long End, long Count, long Offset);

/// <summary>What counting one record did: changelog records to produce, windows to write, or why it is dead-lettered.</summary>
internal sealed class WindowOutcome
{
    public List<ChangelogEntry> Changelog { get; } = [];
    public List<WindowUpdate> Updates { get; } = [];
    public string? DeadLetterReason { get; set; }

    public void Clear()
    {
        Changelog.Clear();
        Updates.Clear();
        DeadLetterReason = null;
    }
}

/// <summary>
/// Counts one record of a partition into its windows, in that partition's <see cref="FasterWindowStore"/>. The rule is
/// deterministic in the partition's record order, and every entry carries the input offset that last changed it, so a
/// record processed again after a crash is recognized (offset not above the progress, or not above the window's own) and
/// its windows are only written again with the counts they already have: counts are never doubled.
/// <list type="number">
/// <item>A record at or below the partition's progress was processed before: its windows are re-emitted as they are.</item>
/// <item>With <c>once-per</c>, a record whose value equals the last value counted for its key is not counted.</item>
/// <item>The record counts in every window containing its event time that is still open: the window's end plus grace
/// is after the stream time (the highest event time counted, this record's included). When none is open, it is late:
/// dead-lettered (<c>late-record: window NAME ...</c>), and the partition goes on.</item>
/// <item>Then the mark, the progress and the expiry of windows past retention, in that order (the changelog keeps it).</item>
/// </list>
/// </summary>
internal static class WindowCounter
{
    public const string LateReason = "late-record";

    public static void Count(WindowStageSpec spec, FasterWindowStore store, int partition, long offset, WindowRecord record, WindowOutcome outcome)
    {
        var sizeMs = (long)spec.Size.TotalMilliseconds;
        var advanceMs = (long)spec.Advance.TotalMilliseconds;
        var graceMs = (long)spec.Grace.TotalMilliseconds;
        var progress = store.Progress;
        if (progress is { } done && offset <= done.Offset)
        {
            foreach (var start in Starts(record.EventTime, sizeMs, advanceMs))
            {
                if (store.Get(record.Group, start) is { } current)
                    outcome.Updates.Add(Update(spec, record.Group, partition, start, sizeMs, current));
            }
            return;
        }
        if (record.OncePer is { } id && store.GetMark(record.RecordKey) is { } mark && mark.Value == id)
            return;
        var streamTime = Math.Max(progress?.StreamTime ?? long.MinValue, record.EventTime);
        var counted = false;
        long lastStart = 0;
        foreach (var start in Starts(record.EventTime, sizeMs, advanceMs))
        {
            lastStart = start;
            if (start + sizeMs + graceMs <= streamTime) continue; // closed
            counted = true;
            var current = store.Get(record.Group, start);
            if (current is { } already && already.Offset >= offset)
            {
                outcome.Updates.Add(Update(spec, record.Group, partition, start, sizeMs, already));
                continue;
            }
            var next = new WindowCount((current?.Count ?? 0) + 1, offset);
            outcome.Changelog.Add(store.Put(record.Group, start, next));
            outcome.Updates.Add(Update(spec, record.Group, partition, start, sizeMs, next));
        }
        if (!counted)
        {
            outcome.DeadLetterReason = $"{LateReason}: window {spec.Name} [{lastStart}, {lastStart + sizeMs}) of event time {record.EventTime} closed at {lastStart + sizeMs + graceMs} (grace {graceMs} ms); stream time is {streamTime}";
            return;
        }
        if (record.OncePer is { } value) outcome.Changelog.Add(store.PutMark(record.RecordKey, new CountedMark(value, offset)));
        outcome.Changelog.Add(store.SetProgress(new WindowProgress(offset, streamTime)));
        store.Expire(streamTime, outcome.Changelog);
    }

    /// <summary>Starts of the windows containing <paramref name="time"/>, latest first (one for tumbling windows).</summary>
    public static IEnumerable<long> Starts(long time, long sizeMs, long advanceMs)
    {
        var latest = time - Mod(time, advanceMs);
        for (var start = latest; start > time - sizeMs; start -= advanceMs)
            yield return start;
    }

    private static long Mod(long a, long b) => ((a % b) + b) % b;

    /// <summary>The Redis key of a group's window: the key pattern with each group-by value in place, then <c>:start</c>.</summary>
    public static string RedisKey(WindowStageSpec spec, string group, long start)
    {
        var values = group.Split(':');
        var key = spec.KeyPattern;
        for (var i = 0; i < spec.GroupBy.Count; i++)
            key = key.Replace("{" + spec.GroupBy[i] + "}", values[i], StringComparison.Ordinal);
        return key + ":" + start.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static WindowUpdate Update(WindowStageSpec spec, string group, int partition, long start, long sizeMs, WindowCount count) =>
        new(RedisKey(spec, group, start), partition, start, start + sizeMs, count.Count, count.Offset);
}
