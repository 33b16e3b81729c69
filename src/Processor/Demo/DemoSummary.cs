using System.Text.Json.Serialization;

namespace ContactCenter.Processor.Demo;

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
    [property: JsonPropertyName("mismatchSamples")] IReadOnlyList<string> MismatchSamples);

internal sealed record LatencySummary(
    [property: JsonPropertyName("p50")] double P50,
    [property: JsonPropertyName("p99")] double P99,
    [property: JsonPropertyName("max")] double Max,
    [property: JsonPropertyName("samples")] long Samples);
