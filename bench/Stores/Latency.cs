using System.Diagnostics;
using HdrHistogram;

namespace ContactCenter.Bench.Stores;

/// <summary>Every operation's latency (Stopwatch ticks), plus the wall time of the whole phase.</summary>
internal sealed class Latency
{
    private readonly LongHistogram histogram = new(TimeSpan.FromMinutes(10).Ticks * (Stopwatch.Frequency / TimeSpan.TicksPerSecond), 3);

    public long Count => histogram.TotalCount;

    public void Record(long startTimestamp, long endTimestamp) => histogram.RecordValue(Math.Max(0, endTimestamp - startTimestamp));

    public void Add(Latency other) => histogram.Add(other.histogram);

    public double Micros(double percentile) => ToMicros(histogram.GetValueAtPercentile(percentile));

    public double MaxMicros => ToMicros(histogram.GetMaxValue());

    private static double ToMicros(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>One row of the result table.</summary>
internal sealed record PhaseResult(string Store, string Phase, long Ops, TimeSpan Wall, Latency? Latency, string Note = "")
{
    public double OpsPerSecond => Ops / Wall.TotalSeconds;
}
