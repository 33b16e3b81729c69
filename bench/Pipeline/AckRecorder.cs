using System.Diagnostics;
using HdrHistogram;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// What a design reports each time Redis acknowledged one of its writes: the write's source timestamp (the generator's
/// clock when it made the event, Unix ms). Latency is "now" minus that, in microseconds, into the histogram of the phase
/// the event was produced in (phases are told apart by their start time, so a backlog is charged to the phase that
/// caused it). Both designs call it the same way, right after the Redis reply: the engine from its writer's
/// acknowledgement, the replaced design after its synchronous write returned.
/// </summary>
internal sealed class AckRecorder
{
    private static readonly long HighestMicros = (long)TimeSpan.FromMinutes(10).TotalMicroseconds;
    private readonly object _lock = new();
    private readonly List<(long StartMs, LongHistogram Histogram)> _phases = [];
    private long _acked;
    private long _lastAckUnixMicros;

    /// <summary>Writes acknowledged since the design started.</summary>
    public long Acked => Interlocked.Read(ref _acked);

    /// <summary>Wall clock of the newest acknowledgement (Unix µs; 0 before the first).</summary>
    public long LastAckUnixMicros => Interlocked.Read(ref _lastAckUnixMicros);

    /// <summary>Current wall clock in Unix microseconds (the same clock as the generator's, finer than its ms).</summary>
    public static long NowUnixMicros() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / (TimeSpan.TicksPerMillisecond / 1000);

    /// <summary>Starts a phase: events stamped at or after <paramref name="startUnixMs"/> are timed into a new histogram.</summary>
    public void BeginPhase(long startUnixMs)
    {
        lock (_lock) _phases.Add((startUnixMs, new LongHistogram(HighestMicros, 3)));
    }

    /// <summary>The current phase's latency histogram (µs), copied.</summary>
    public LongHistogram CurrentPhase()
    {
        lock (_lock) return _phases.Count == 0 ? new LongHistogram(HighestMicros, 3) : (LongHistogram)_phases[^1].Histogram.Copy();
    }

    /// <summary>One acknowledged write.</summary>
    public void Record(long sourceTimestampMs) => Record(sourceTimestampMs, NowUnixMicros());

    /// <summary>Writes acknowledged together (one batch): one clock read for all.</summary>
    public void Record<T>(IReadOnlyList<T> writes, Func<T, long> sourceTimestampMs)
    {
        var now = NowUnixMicros();
        lock (_lock)
        {
            for (var i = 0; i < writes.Count; i++)
                RecordLocked(sourceTimestampMs(writes[i]), now);
        }
        Interlocked.Add(ref _acked, writes.Count);
        Interlocked.Exchange(ref _lastAckUnixMicros, now);
    }

    private void Record(long sourceTimestampMs, long now)
    {
        lock (_lock) RecordLocked(sourceTimestampMs, now);
        Interlocked.Increment(ref _acked);
        Interlocked.Exchange(ref _lastAckUnixMicros, now);
    }

    private void RecordLocked(long sourceTimestampMs, long nowMicros)
    {
        if (sourceTimestampMs <= 0) return;
        for (var i = _phases.Count - 1; i >= 0; i--)
        {
            if (sourceTimestampMs < _phases[i].StartMs) continue;
            _phases[i].Histogram.RecordValue(Math.Clamp(nowMicros - sourceTimestampMs * 1000, 0, HighestMicros));
            return;
        }
    }

    /// <summary>
    /// Waits until <paramref name="target"/> writes were acknowledged since the start, or nothing was acknowledged for
    /// <paramref name="quiet"/> (a design may legitimately write fewer records than events, e.g. a join that emits
    /// nothing for a part that arrives before its agent), or <paramref name="timeout"/>. The drain's end is the newest
    /// acknowledgement's time, not the moment this noticed it.
    /// </summary>
    public async Task<(bool Reached, long Acked, long LastAckUnixMicros)> WaitAsync(long target, TimeSpan quiet, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var startedMicros = NowUnixMicros();
        while (true)
        {
            var acked = Acked;
            if (acked >= target) return (true, acked, LastAckUnixMicros);
            var lastActivity = Math.Max(LastAckUnixMicros, startedMicros);
            if (NowUnixMicros() - lastActivity >= (long)quiet.TotalMicroseconds || clock.Elapsed >= timeout)
                return (false, acked, LastAckUnixMicros);
            await Task.Delay(10);
        }
    }
}
