namespace ContactCenter.Topology.Spec;

/// <summary>Which test a <see cref="FilterProcessorSpec"/> applies to its field.</summary>
public enum FilterTest
{
    /// <summary>The field equals the single value.</summary>
    Equal,

    /// <summary>The field equals one of the values.</summary>
    OneOf,

    /// <summary>The field is present.</summary>
    Exists,

    /// <summary>The field is absent.</summary>
    Absent,
}

/// <summary>Keeps records whose <paramref name="Field"/> passes <paramref name="Test"/> (drops them instead when <paramref name="Negate"/>).</summary>
public sealed record FilterProcessorSpec(string Name, string Field, FilterTest Test, IReadOnlyList<string> Values, bool Negate)
    : RecordProcessorSpec(Name);

/// <summary>Renames, then drops, then sets fields.</summary>
public sealed record MapProcessorSpec(
    string Name,
    IReadOnlyList<FieldMapping> Rename,
    IReadOnlyList<string> Drop,
    IReadOnlyList<KeyValuePair<string, string>> Set)
    : RecordProcessorSpec(Name);

/// <summary>
/// First write wins: a record is processed only by whoever first claims <c>KeyPrefix + id</c> for <paramref name="Ttl"/>.
/// </summary>
/// <param name="IdField">Field holding the id; null means the record key.</param>
public sealed record DedupProcessorSpec(string Name, string? IdField, string KeyPrefix, TimeSpan Ttl)
    : RecordProcessorSpec(Name);

/// <summary>A stage that reads a derived topic and pushes each record to a durable Redis queue.</summary>
/// <param name="QueueKey">Redis key of the queue.</param>
public sealed record QueueStageSpec(
    string Name,
    string GroupId,
    string InputTopic,
    int InputPartitions,
    string QueueKey,
    string DeadLetterTopic,
    IReadOnlyList<RecordProcessorSpec> Processors)
{
    /// <summary>Name of the queue sink (part of every job's idempotency key).</summary>
    public string SinkName { get; init; } = "queue";

    /// <summary>Record field to job field; empty means every field under its own name.</summary>
    public IReadOnlyList<FieldMapping> Fields { get; init; } = [];

    /// <summary>The side effect workers run per job; null when the file declares none (the queue is drained elsewhere).</summary>
    public HttpEffectSpec? Http { get; init; }

    /// <summary>Partitions of the dead-letter topic, for creating it.</summary>
    public int DeadLetterPartitions { get; init; } = 1;

    /// <summary>What the stage accepts from a record (topology file: <c>limits</c>).</summary>
    public RecordLimits Limits { get; init; } = RecordLimits.Default;

    /// <summary>
    /// The stage as the runtime's fenced materializer runs it: one hash per key under <c>{QueueKey}:req:{key}</c>
    /// holding the fields of the last job requested for the key, written by the same atomic step that enqueues the
    /// job, so a redelivered or replayed record never enqueues twice.
    /// </summary>
    public StateStageSpec AsStateStage() =>
        new(Name, GroupId, InputTopic, InputPartitions, QueueKey + ":req:{key}", Fields, DeadLetterTopic, Processors)
        {
            DeadLetterPartitions = DeadLetterPartitions,
            Limits = Limits,
        };
}

/// <summary>An HTTP call per job: <paramref name="Url"/> with <c>{key}</c> replaced by the record key.</summary>
public sealed record HttpEffectSpec(string Url, string Method, TimeSpan Timeout);
