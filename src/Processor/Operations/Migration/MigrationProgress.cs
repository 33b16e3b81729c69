namespace ContactCenter.Processor.Operations.Migration;

/// <summary>
/// One look at a running migration, taken every second: the phase, the bridge, and how far each shadow stage is behind
/// its input (the aggregate stage by its group's committed offsets, the state stage by its progress in Redis).
/// </summary>
/// <param name="Eta">Until the cut-over condition holds (while shadowing) or null when it cannot be told yet.</param>
internal sealed record MigrationProgress(
    MigrationPhase Phase,
    TimeSpan Elapsed,
    BridgeProgress Bridge,
    long AggregateLag,
    long StateLag,
    double StateRecordsPerSecond,
    TimeSpan? Eta)
{
    /// <summary>The most any part is behind, in records (what the cut-over condition compares).</summary>
    public long MaxLag => Math.Max(Math.Max(Bridge.Lag, AggregateLag), StateLag);
}

/// <summary>How a migration is run.</summary>
internal sealed record MigrationOptions
{
    /// <summary>Cut over once the bridge and both shadow stages lag at most this many records, twice in a row.</summary>
    public long MaxLag { get; init; } = 2000;

    /// <summary>After the cut-over, finish once the old sources received nothing and the bridge copied everything for this
    /// long (producers have switched); null stops at the cut-over and leaves the bridge to a later run.</summary>
    public TimeSpan? DrainIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often progress is measured and the condition checked.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Records per batch the bridge acknowledges and checkpoints at once.</summary>
    public int BridgeBatch { get; init; } = 2000;
}
