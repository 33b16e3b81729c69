namespace ContactCenter.Topology.Events;

/// <summary>The change a source event describes, carried in the <c>cc-op</c> header.</summary>
public enum EventOp : byte
{
    Created = 1,
    Updated = 2,
    Deleted = 3,
}

/// <summary>Header names and values shared by producers and the engine.</summary>
public static class EventHeaders
{
    /// <summary>Default header that carries the <see cref="EventOp"/>.</summary>
    public const string Op = "cc-op";

    /// <summary>Header set on dead-lettered records: why the record was rejected.</summary>
    public const string DeadLetterReason = "cc-dlq-reason";

    /// <summary>Header set on dead-lettered records: topic/partition/offset the record came from.</summary>
    public const string DeadLetterSource = "cc-dlq-source";

    /// <summary>Header set on dead-lettered records: the original value's size in bytes (-1 when it had none).</summary>
    public const string DeadLetterSize = "cc-dlq-size";

    /// <summary>Header set on dead-lettered records copied in part: <c>value</c> (only a prefix of the value is kept).</summary>
    public const string DeadLetterTruncated = "cc-dlq-truncated";

    private static readonly byte[] CreatedBytes = "CREATED"u8.ToArray();
    private static readonly byte[] UpdatedBytes = "UPDATED"u8.ToArray();
    private static readonly byte[] DeletedBytes = "DELETED"u8.ToArray();

    /// <summary>The header bytes for an op, shared (never mutate them).</summary>
    public static byte[] Encode(EventOp op) => op switch
    {
        EventOp.Created => CreatedBytes,
        EventOp.Updated => UpdatedBytes,
        EventOp.Deleted => DeletedBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown op"),
    };

    /// <summary>Parses a header value; false for anything but CREATED, UPDATED or DELETED.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, out EventOp op)
    {
        if (value.SequenceEqual(UpdatedBytes)) { op = EventOp.Updated; return true; }
        if (value.SequenceEqual(CreatedBytes)) { op = EventOp.Created; return true; }
        if (value.SequenceEqual(DeletedBytes)) { op = EventOp.Deleted; return true; }
        op = default;
        return false;
    }
}
