using System.Text.Json.Serialization;

namespace ContactCenter.Sandbox.Demo;

/// <summary>The demo's result; printed as the last line with <c>--json</c>.</summary>
internal sealed record DemoSummary(
    [property: JsonPropertyName("events")] long Events,
    [property: JsonPropertyName("agents")] int Agents,
    [property: JsonPropertyName("liveAgents")] int LiveAgents,
    [property: JsonPropertyName("redisAgents")] int RedisAgents,
    [property: JsonPropertyName("mismatches")] int Mismatches,
    [property: JsonPropertyName("eventsPerSecond")] double EventsPerSecond,
    [property: JsonPropertyName("e2eLatencyMs")] LatencySummary E2eLatencyMs,
    [property: JsonPropertyName("malformed")] long Malformed,
    [property: JsonPropertyName("deadLettered")] long DeadLettered,
    [property: JsonPropertyName("duplicates")] long Duplicates,
    [property: JsonPropertyName("store")] string Store,
    [property: JsonPropertyName("redis")] string Redis,
    [property: JsonPropertyName("settleSeconds")] double SettleSeconds,
    [property: JsonPropertyName("mismatchSamples")] IReadOnlyList<string> MismatchSamples)
{
    /// <summary>What the injected fault did, when there was one.</summary>
    [JsonPropertyName("chaos")]
    public ChaosSummary? Chaos { get; init; }

    /// <summary>The garbage collector's stop-the-world pauses while the pipeline ran.</summary>
    [JsonPropertyName("gc")]
    public ContactCenter.Processor.Hosting.GcPauseSummary? Gc { get; init; }

    /// <summary>Groups whose count in Redis differs from the count of the simulated truth (0 expected).</summary>
    [JsonPropertyName("countMismatches")]
    public int CountMismatches { get; init; }

    [JsonPropertyName("countMismatchSamples")]
    public IReadOnlyList<string> CountMismatchSamples { get; init; } = [];

    /// <summary>Agents the counts in Redis hold, over every count (each agent once per count it is in).</summary>
    [JsonPropertyName("countedAgents")]
    public long CountedAgents { get; init; }

    /// <summary>Windows (group and start) whose count in Redis differs from the count computed from the simulated truth.</summary>
    [JsonPropertyName("windowMismatches")]
    public int WindowMismatches { get; init; }

    /// <summary>Windows (group and start) checked, and the counts they hold in all.</summary>
    [JsonPropertyName("windowsChecked")]
    public int WindowsChecked { get; init; }

    [JsonPropertyName("windowCounts")]
    public long WindowCounts { get; init; }

    [JsonPropertyName("windowMismatchSamples")]
    public IReadOnlyList<string> WindowMismatchSamples { get; init; } = [];
}

/// <summary>How the pipeline answered an injected fault.</summary>
internal sealed record ChaosSummary(
    [property: JsonPropertyName("fault")] string Fault,
    [property: JsonPropertyName("atSeconds")] double AtSeconds,
    [property: JsonPropertyName("lossesDetected")] long LossesDetected,
    [property: JsonPropertyName("rebuildRecords")] long RebuildRecords,
    [property: JsonPropertyName("rebuildSeconds")] double RebuildSeconds);

internal sealed record LatencySummary(
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("samples")] long Samples);
