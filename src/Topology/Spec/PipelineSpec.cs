namespace ContactCenter.Topology.Spec;

/// <summary>
/// The compiled, validated form of a topology file: everything the runtime needs to run the agent pipeline.
/// Produced by the topology compiler from <c>topologies/*.yaml</c>; the runtime never hard-codes any of it.
/// </summary>
public sealed record PipelineSpec(
    string Name,
    AggregateStageSpec Aggregate,
    StateStageSpec State)
{
    /// <summary>Stages that hand records to a durable Redis queue (side effects run in a worker pool).</summary>
    public IReadOnlyList<QueueStageSpec> QueueStages { get; init; } = [];

    /// <summary>Window stages: counts per group and time window (topology file: <c>windows:</c>).</summary>
    public IReadOnlyList<WindowStageSpec> Windows { get; init; } = [];

    /// <summary>
    /// This pipeline with the aggregate stage at <paramref name="guarantee"/> (what <c>demo --guarantee</c> and the
    /// benchmarks override); the state stage reads read_committed exactly when the aggregate stage is exactly-once.
    /// </summary>
    public PipelineSpec WithGuarantee(ProcessingGuarantee guarantee) => this with
    {
        Aggregate = Aggregate with { Guarantee = guarantee },
        State = State with { ReadCommitted = guarantee == ProcessingGuarantee.ExactlyOnce },
    };
}

/// <summary>Maps a field of an input record to a field of the output record.</summary>
public sealed record FieldMapping(string From, string To)
{
    /// <summary>The JSON type the input field must have (source events only; <see cref="JsonFieldType.Any"/>: any).</summary>
    public JsonFieldType Type { get; init; }
}

/// <summary>A source topic that feeds one part of the aggregate.</summary>
/// <param name="Name">Logical source name used in the topology file (e.g. <c>agent</c>).</param>
/// <param name="Topic">Kafka topic.</param>
/// <param name="Partitions">Partition count; all sources of one stage must agree (co-partitioning).</param>
/// <param name="Part">Name of the aggregate part this source owns (e.g. <c>agent</c>, <c>voice</c>).</param>
/// <param name="Primary">A DELETED event of the primary source deletes the whole aggregate (tombstone).</param>
/// <param name="Fields">Which event fields land in the aggregate, and under which names.</param>
/// <param name="OpHeader">Header carrying CREATED|UPDATED|DELETED.</param>
public sealed record SourceSpec(
    string Name,
    string Topic,
    int Partitions,
    string Part,
    bool Primary,
    IReadOnlyList<FieldMapping> Fields,
    string OpHeader = "cc-op")
{
    /// <summary>Event field that must equal the record key when present (topology file: <c>key</c>).</summary>
    public string KeyField { get; init; } = "agentId";

    /// <summary>Event field holding the per-part version (topology file: <c>version-field</c>).</summary>
    public string VersionField { get; init; } = "version";

    /// <summary>Event field holding the event time in Unix ms (topology file: <c>timestamp-field</c>).</summary>
    public string TimestampField { get; init; } = "ts";

    /// <summary>
    /// The topic's producers use another partitioner than <see cref="Events.KeyPartition"/> (topology file:
    /// <c>partitioner: any</c>): the aggregate stage re-keys the source through a repartition topic it owns
    /// (<c>{application id}-{source name}-repartition</c>) before merging. Otherwise every record is checked to be on its
    /// key's partition, and one that is not is dead-lettered (<c>wrong-partition</c>).
    /// </summary>
    public bool Repartition { get; init; }
}

/// <summary>The merge stage: all sources into one aggregate per key, one processor, one store.</summary>
/// <summary>What a crash may do to a stage's outputs (topology file: <c>processing-guarantee</c>).</summary>
public enum ProcessingGuarantee
{
    /// <summary>Outputs may be emitted again after a crash (the default).</summary>
    AtLeastOnce,

    /// <summary>Outputs and input offsets are committed together in Kafka transactions; read_committed readers see each once.</summary>
    ExactlyOnce,
}

public sealed record AggregateStageSpec(
    string Name,
    string ApplicationId,
    IReadOnlyList<SourceSpec> Sources,
    string StoreName,
    string OutputTopic,
    int OutputPartitions,
    string DeadLetterTopic)
{
    /// <summary>Partitions of the dead-letter topic, for creating it.</summary>
    public int DeadLetterPartitions { get; init; } = 1;

    /// <summary>What the stage accepts from a record (topology file: <c>limits</c>).</summary>
    public RecordLimits Limits { get; init; } = RecordLimits.Default;

    /// <summary>Exactly-once: Streamiz's EXACTLY_ONCE (one transactional producer per stream thread, KIP-447 style).</summary>
    public ProcessingGuarantee Guarantee { get; init; } = ProcessingGuarantee.AtLeastOnce;
}

/// <summary>The materializing stage: derived aggregate topic into one Redis hash per key, fenced.</summary>
/// <param name="KeyPattern">Redis key with a <c>{key}</c> placeholder, e.g. <c>cc:agent:{key}</c>.</param>
/// <param name="Fields">Aggregate field to hash field; empty means every aggregate field under its own name.</param>
/// <param name="Processors">Record processors applied to the aggregate's fields before the write, in order.</param>
public sealed record StateStageSpec(
    string Name,
    string GroupId,
    string InputTopic,
    int InputPartitions,
    string KeyPattern,
    IReadOnlyList<FieldMapping> Fields,
    string DeadLetterTopic,
    IReadOnlyList<RecordProcessorSpec> Processors)
{
    /// <summary>Partitions of the dead-letter topic, for creating it.</summary>
    public int DeadLetterPartitions { get; init; } = 1;

    /// <summary>What the stage accepts from a record (topology file: <c>limits</c>).</summary>
    public RecordLimits Limits { get; init; } = RecordLimits.Default;

    /// <summary>
    /// Read the input with isolation level read_committed (records of aborted or open transactions are never seen):
    /// set when this stage or the stage writing its input is exactly-once.
    /// </summary>
    public bool ReadCommitted { get; init; }

    /// <summary>Grouped counts the fenced write keeps (topology file: <c>type: count</c>).</summary>
    public IReadOnlyList<CountSpec> Counts { get; init; } = [];

    /// <summary>Hash field whose time in state the fenced write keeps (topology file: <c>type: time-in-state</c>); null keeps none.</summary>
    public string? TimeInStateField { get; init; }
}

/// <summary>A stateless record processor on a flat field record (filter, map/rename, dedup).</summary>
public abstract record RecordProcessorSpec(string Name);
