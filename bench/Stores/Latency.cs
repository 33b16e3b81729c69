using System.Diagnostics;
using HdrHistogram;

namespace ContactCenter.Bench.Stores;

/// <summary>One histogram of operation latencies in <see cref="Stopwatch"/> ticks (every op is recorded, 3 significant digits).</summary>
internal sealed class Latency
{
    private static readonly long Highest = Stopwatch.Frequency * 600;
    private readonly LongHistogram histogram = new(Highest, 3);

    public long Count => histogram.TotalCount;

    public void Record(long ticks) => histogram.RecordValue(Math.Clamp(ticks, 0, Highest));

    public void Add(Latency other) => histogram.Add(other.histogram);

    public double PercentileMicros(double percentile) => ToMicros(histogram.GetValueAtPercentile(percentile));

    public double MaxMicros => ToMicros(histogram.GetMaxValue());

    private static double ToMicros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>What one measured phase did: operations, wall time, per-op latency, a note, and whether its result checked out (Complete).</summary>
internal sealed record PhaseResult(string Phase, long Ops, double Seconds, Latency? Latency, string? Note = null, bool Complete = true)
{
    public double OpsPerSecond => Seconds > 0 ? Ops / Seconds : 0;
}
