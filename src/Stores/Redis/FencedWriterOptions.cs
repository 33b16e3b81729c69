using Microsoft.Extensions.Logging;

namespace ContactCenter.Stores.Redis;

/// <summary>Tuning of a <see cref="FencedStateWriter"/>.</summary>
public sealed record FencedWriterOptions
{
    /// <summary>Most writes pipelined in one batch (one acknowledgement).</summary>
    public int MaxBatch { get; init; } = 256;

    /// <summary>Most writes applied by one script call (the calls of a batch are pipelined). A call moves each partition's
    /// progress once; a larger call holds Redis (single-threaded) longer.</summary>
    public int WritesPerCall { get; init; } = 64;

    /// <summary>Bound of the in-memory queue; <see cref="FencedStateWriter.WriteAsync"/> waits when it is full.</summary>
    public int QueueCapacity { get; init; } = 8192;

    /// <summary>How long a deleted agent's fence outlives its hash. Must cover the longest replay/redelivery
    /// window: after it expires, a replayed older update could recreate the agent.</summary>
    public TimeSpan TombstoneTtl { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Progress keys are <c>{OffsetsKeyPrefix}:{stage}:{partition}</c>.</summary>
    public string OffsetsKeyPrefix { get; init; } = "cc:offsets";

    /// <summary>Upper bound of the exponential back-off between retries of a failed batch.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long <see cref="FencedStateWriter.DisposeAsync"/> keeps trying to drain the queue before it
    /// abandons what is left (never acknowledged, so the source offsets were never committed for it).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether Redis is a Redis Cluster (one call per hash slot, progress per slot: <see cref="ClusterProgress"/>);
    /// null asks the connection (cluster mode on its servers).</summary>
    public bool? Cluster { get; init; }

    /// <summary>Grouped counts and time in state kept by the same fenced write; null keeps none.</summary>
    public AgentTableUpkeep? Upkeep { get; init; }

    /// <summary>Where retries, failures and handler exceptions are reported; null logs nothing.</summary>
    public ILogger? Logger { get; init; }
}
