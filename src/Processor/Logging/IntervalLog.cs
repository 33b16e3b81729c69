namespace ContactCenter.Processor.Logging;

/// <summary>
/// At most one log line per subject per interval, saying how many times it happened since the last line: a condition
/// that repeats thousands of times a minute (records on the wrong partition, a broker that refuses connections) stays
/// visible without flooding the log. Thread-safe; the lock is taken only when the condition happens.
/// </summary>
internal sealed class IntervalLog(TimeSpan interval, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, (long Count, long LastLine)> _subjects = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>
    /// Counts one occurrence for <paramref name="subject"/>; true when a line is due now (the first occurrence, or the
    /// first after the interval passed), with how many occurrences the line stands for (this one included).
    /// </summary>
    public bool Occurred(string subject, out long count)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_subjects.TryGetValue(subject, out var seen) && _time.GetElapsedTime(seen.LastLine, now) < interval)
            {
                _subjects[subject] = (seen.Count + 1, seen.LastLine);
                count = 0;
                return false;
            }
            count = (seen.LastLine == 0 ? 0 : seen.Count) + 1;
            _subjects[subject] = (0, now);
            return true;
        }
    }

    /// <summary>A message without its numbers, at most 200 characters: what repeats of one condition share (ports,
    /// offsets, durations and counters differ between them).</summary>
    public static string KindOf(string text)
    {
        var kind = new System.Text.StringBuilder(Math.Min(text.Length, 200));
        var inNumber = false;
        foreach (var c in text)
        {
            if (kind.Length >= 200) break;
            if (char.IsAsciiDigit(c))
            {
                if (!inNumber) kind.Append('#');
                inNumber = true;
                continue;
            }
            inNumber = false;
            kind.Append(c);
        }
        return kind.ToString();
    }
}
