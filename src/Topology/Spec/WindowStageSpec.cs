namespace ContactCenter.Topology.Spec;

/// <summary>The format of the records a window stage reads.</summary>
public enum WindowInputFormat
{
    /// <summary>A derived aggregate topic: the record's fields are the aggregate's live fields, its time the aggregate's.</summary>
    Aggregate,

    /// <summary>A source topic: a flat JSON event; its time is the source's <c>timestamp-field</c>.</summary>
    SourceEvent,
}

/// <summary>
/// A window stage (topology file: a <c>windows:</c> entry): counts the selected records of one topic per group key and
/// event-time window, in a window store restored from its changelog, and writes each updated window to Redis.
/// </summary>
/// <param name="Name">Window name, named in dead letters (<c>late-record: window NAME ...</c>).</param>
/// <param name="GroupId">Consumer group of the window stage.</param>
/// <param name="InputTopic">Topic counted (a source or a derived topic).</param>
/// <param name="InputPartitions">Its partitions; the changelog has as many.</param>
/// <param name="GroupBy">Fields whose values make the group key, in order.</param>
/// <param name="StoreName">Window store name.</param>
/// <param name="ChangelogTopic">The store's changelog, <c>{group}-{store}-changelog</c>.</param>
/// <param name="KeyPattern">Redis key with one <c>{field}</c> per group-by field; the window start is appended as <c>:start</c>.</param>
/// <param name="DeadLetterTopic">Where late and malformed records go.</param>
public sealed record WindowStageSpec(
    string Name,
    string GroupId,
    string InputTopic,
    int InputPartitions,
    IReadOnlyList<string> GroupBy,
    string StoreName,
    string ChangelogTopic,
    string KeyPattern,
    string DeadLetterTopic)
{
    public WindowInputFormat InputFormat { get; init; } = WindowInputFormat.Aggregate;

    /// <summary>Event-time field of a source event (<see cref="WindowInputFormat.SourceEvent"/> only).</summary>
    public string TimestampField { get; init; } = "ts";

    /// <summary>Field a counted record must have one of <see cref="WhereValues"/> in; null: every record counts.</summary>
    public string? WhereField { get; init; }

    public IReadOnlyList<string> WhereValues { get; init; } = [];

    /// <summary>Count a record only when this field differs from the last value counted for its record key; null: always.</summary>
    public string? OncePerField { get; init; }

    public TimeSpan Size { get; init; }

    /// <summary>Equal to <see cref="Size"/> for tumbling windows; size is a multiple of it.</summary>
    public TimeSpan Advance { get; init; }

    public TimeSpan Grace { get; init; }

    public TimeSpan Retention { get; init; }

    /// <summary>Lifetime of a window's Redis hash after its last update.</summary>
    public TimeSpan Ttl { get; init; }

    public int Replicas { get; init; } = 1;

    public int DeadLetterPartitions { get; init; } = 1;

    public RecordLimits Limits { get; init; } = RecordLimits.Default;

    /// <summary>Read with isolation level read_committed (the input is written by an exactly-once stage).</summary>
    public bool ReadCommitted { get; init; }

    /// <summary>Tumbling (advance equals size) or hopping.</summary>
    public bool Tumbling => Advance == Size;
}
