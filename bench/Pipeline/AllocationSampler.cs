using System.Diagnostics.Tracing;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// Where allocations go, by type: the runtime's GCAllocationTick event fires about once per 100 KB allocated and
/// names the type of the allocation that crossed the threshold, so the counts per type are a sample proportional to
/// bytes allocated. No stacks (that needs dotnet-trace, which is not installed here). Off unless asked for.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int AllocationTick = 10;
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly object _lock = new();
    private readonly Dictionary<string, long> _bytesByType = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId != AllocationTick || e.PayloadNames is null || e.Payload is null) return;
        var type = e.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a]) : 100_000;
        lock (_lock) _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
    }

    /// <summary>The <paramref name="top"/> types by sampled bytes since the last call (share of the sample, %), and forgets them.</summary>
    public Dictionary<string, double> Drain(int top = 15)
    {
        lock (_lock)
        {
            var total = Math.Max(1, _bytesByType.Values.Sum());
            var result = _bytesByType.OrderByDescending(p => p.Value).Take(top)
                .ToDictionary(p => p.Key, p => Math.Round(p.Value * 100.0 / total, 1));
            _bytesByType.Clear();
            return result;
        }
    }
}
