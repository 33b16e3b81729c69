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
    IReadOnlyList<RecordProcessorSpec> Processors);
