using System.Diagnostics.Tracing;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// Every stop-the-world GC pause of this process, from the runtime's own events: a pause runs from the suspension's
/// begin (GCSuspendEEBegin) to the restart's end (GCRestartEEEnd). GC.GetTotalPauseDuration only gives the sum.
/// </summary>
internal sealed class GcPauseListener : EventListener
{
    private const int RestartEeEnd = 3;
    private const int SuspendEeBegin = 9;
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly object _lock = new();
    private readonly List<double> _pausesMs = [];
    private DateTime _suspendedAt;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Informational, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId == SuspendEeBegin)
        {
            _suspendedAt = e.TimeStamp;
        }
        else if (e.EventId == RestartEeEnd && _suspendedAt != default)
        {
            var pause = (e.TimeStamp - _suspendedAt).TotalMilliseconds;
            _suspendedAt = default;
            lock (_lock) _pausesMs.Add(pause);
        }
    }

    /// <summary>The pauses since the last call (ms), and forgets them.</summary>
    public double[] Drain()
    {
        lock (_lock)
        {
            var pauses = _pausesMs.ToArray();
            _pausesMs.Clear();
            return pauses;
        }
    }
}
