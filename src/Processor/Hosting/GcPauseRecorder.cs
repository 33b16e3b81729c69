using System.Diagnostics.Tracing;
using System.Runtime;
using HdrHistogram;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// Records every stop-the-world pause of this process's garbage collector (from the runtime's own GC events: the
/// suspension's start to the restart's end), so runs can compare GC settings by their pauses, not by guesswork.
/// </summary>
internal sealed class GcPauseRecorder : EventListener
{
    private const int SuspendBegin = 9;   // GCSuspendEEBegin_V1
    private const int RestartEnd = 3;     // GCRestartEEEnd_V1
    private const long GcKeyword = 0x1;

    private readonly LongHistogram _pausesUs = new(TimeStamp.Hours(1), 3);
    private readonly Lock _gate = new();
    private long _suspendedAt = -1;
    private readonly int[] _collectionsAtStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Informational, (EventKeywords)GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId == SuspendBegin)
        {
            Interlocked.Exchange(ref _suspendedAt, e.TimeStamp.Ticks);
        }
        else if (e.EventId == RestartEnd && Interlocked.Exchange(ref _suspendedAt, -1) is var at and >= 0)
        {
            var us = Math.Max(0, (e.TimeStamp.Ticks - at) / 10);
            lock (_gate)
                _pausesUs.RecordValue(us);
        }
    }

    /// <summary>Pauses so far, with the collections per generation since the recorder started and the GC mode.</summary>
    public GcPauseSummary Summary()
    {
        lock (_gate)
        {
            return new GcPauseSummary(
                [GC.CollectionCount(0) - _collectionsAtStart[0], GC.CollectionCount(1) - _collectionsAtStart[1], GC.CollectionCount(2) - _collectionsAtStart[2]],
                _pausesUs.TotalCount,
                Math.Round(_pausesUs.GetValueAtPercentile(50) / 1000.0, 2),
                Math.Round(_pausesUs.GetValueAtPercentile(99) / 1000.0, 2),
                Math.Round(_pausesUs.GetMaxValue() / 1000.0, 2),
                Math.Round(GC.GetTotalPauseDuration().TotalMilliseconds, 1),
                (GCSettings.IsServerGC ? "server" : "workstation") + (AppContext.GetData("System.GC.Concurrent") is false ? "" : " concurrent")
                    + (AppContext.GetData("System.GC.Gen0Size") is { } gen0 ? $", gen0 size {gen0}" : ""));
        }
    }
}

/// <summary>GC pauses of a run: counts per generation (0, 1, 2), pause percentiles in ms, and the total paused time.</summary>
internal sealed record GcPauseSummary(
    [property: System.Text.Json.Serialization.JsonPropertyName("collections")] int[] Collections,
    [property: System.Text.Json.Serialization.JsonPropertyName("pauses")] long Pauses,
    [property: System.Text.Json.Serialization.JsonPropertyName("pauseP50Ms")] double PauseP50Ms,
    [property: System.Text.Json.Serialization.JsonPropertyName("pauseP99Ms")] double PauseP99Ms,
    [property: System.Text.Json.Serialization.JsonPropertyName("pauseMaxMs")] double PauseMaxMs,
    [property: System.Text.Json.Serialization.JsonPropertyName("pauseTotalMs")] double PauseTotalMs,
    [property: System.Text.Json.Serialization.JsonPropertyName("mode")] string Mode);
