using HdrHistogram;

namespace ContactCenter.Processor.Hosting;

/// <summary>Percentiles of the latencies recorded over the last completed window (a few seconds), for live charts:
/// the Prometheus histogram answers "since start", a person watching wants "now".</summary>
internal sealed class RecentLatency(TimeSpan window)
{
    private readonly object _lock = new();
    private readonly LongHistogram _current = new(TimeSpan.FromMinutes(10).Ticks / TimeSpan.TicksPerMillisecond, 3);
    private long _windowStart = Environment.TickCount64;
    private (double P50, double P99, double Max, long Count) _last;

    public void Record(long milliseconds)
    {
        lock (_lock)
        {
            Rotate();
            _current.RecordValue(Math.Clamp(milliseconds, 0, _current.HighestTrackableValue));
        }
    }

    /// <summary>p50, p99 and max (ms) and how many were recorded in the last completed window.</summary>
    public (double P50, double P99, double Max, long Count) Last
    {
        get
        {
            lock (_lock)
            {
                Rotate();
                return _last;
            }
        }
    }

    private void Rotate()
    {
        var now = Environment.TickCount64;
        if (now - _windowStart < window.TotalMilliseconds) return;
        // A window with nothing in it reads as zero.
        _last = _current.TotalCount == 0
            ? (0, 0, 0, 0)
            : (_current.GetValueAtPercentile(50), _current.GetValueAtPercentile(99), _current.GetMaxValue(), _current.TotalCount);
        _current.Reset();
        _windowStart = now;
    }
}
