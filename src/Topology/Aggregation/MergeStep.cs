using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Aggregation;

/// <summary>A source record that passed every check: its key, op and decoded event.</summary>
/// <param name="CarriedBytes">Key and header bytes that travel with the aggregate to the derived topic.</param>
internal readonly record struct AcceptedRecord(string Key, EventOp Op, DecodedEvent Event, int CarriedBytes = 0);

/// <summary>The aggregate after one accepted record: null <see cref="State"/> means nothing changes.</summary>
/// <param name="State">New store value, or null when the record was stale or rejected.</param>
/// <param name="Output">The record for the derived topic; null is a tombstone (the agent is deleted).</param>
/// <param name="CorruptState">Set when the stored value could not be read and was started again from this record.</param>
/// <param name="Rejected">Set when the merged aggregate breaks a limit: the record is dead-lettered, the store and
/// the derived topic keep the previous aggregate.</param>
internal readonly record struct MergeResult(byte[]? State, byte[]? Output, string? CorruptState, string? Rejected = null)
{
    /// <summary>For a tombstone (the agent is deleted): the deleted aggregate's per-part versions, which the derived record
    /// carries in the <see cref="PartVersions.Header"/> header so that the Redis fence can still compare it part by part.</summary>
    public string? TombstoneVersions { get; init; }

    public bool IsStale => State is null && Rejected is null;

    /// <summary>
    /// Stale because this very version of the part is what the store holds: a redelivery of the record that made it
    /// (or a duplicate of it). <see cref="Output"/> and <see cref="TombstoneVersions"/> then describe the stored aggregate,
    /// for a stage that re-emits it (see <c>AggregateTransformer</c>).
    /// </summary>
    public bool Redelivered { get; init; }
}

/// <summary>
/// The whole of the merge stage's per-record work, independent of where records come from: the Streamiz
/// processor and the fixture runner both call it, so a fixture tests exactly what production runs, dead-letter
/// reasons included. Nothing here throws on a bad record: every reason to refuse one comes back as text.
/// </summary>
internal static class MergeStep
{
    /// <summary>Header value for <see cref="EventHeaders.DeadLetterSource"/>: <c>topic/partition/offset</c>.</summary>
    public static string SourceOf(string topic, int partition, long offset) => $"{topic}/{partition}/{offset}";

    /// <summary>
    /// Checks a source record; false with a reason for the dead-letter topic when it cannot be merged.
    /// <paramref name="op"/> is the raw op header value, null when the header is missing; <paramref name="headerBytes"/>
    /// is the size of all its headers (names and values), which travel on with the aggregate and count towards
    /// <see cref="RecordLimits.MaxRecordBytes"/> with the key and the value.
    /// </summary>
    public static bool TryAccept(SourceSpec source, RecordLimits limits, byte[]? key, byte[]? value, byte[]? op, int headerBytes, out AcceptedRecord accepted, out string reason)
    {
        accepted = default;
        if (!RecordKeyRule.TryValidate(key, limits.MaxKeyBytes, out var keyText, out reason))
            return false;
        if (value is null) { reason = "source record has no value (tombstone)"; return false; }
        var size = (long)key!.Length + value.Length + headerBytes;
        if (size > limits.MaxRecordBytes && value.Length <= limits.MaxRecordBytes)
        {
            reason = $"record is {size} bytes with its key and {headerBytes} bytes of headers, over limits.max-record-bytes ({limits.MaxRecordBytes})";
            return false;
        }
        if (op is null) { reason = $"missing header '{source.OpHeader}'"; return false; }
        if (!EventHeaders.TryDecode(op, out var eventOp))
        {
            reason = $"invalid header '{source.OpHeader}': {Printable.Of(op)}";
            return false;
        }
        if (!SourceEventDecoder.TryDecode(value, source, limits, out var decoded, out var error))
        {
            reason = error ?? "undecodable event";
            return false;
        }
        if (decoded.AgentId is not null && decoded.AgentId != keyText)
        {
            reason = $"{source.KeyField} {Printable.Of(decoded.AgentId)} in the value does not match the key '{keyText}'";
            return false;
        }
        accepted = new AcceptedRecord(keyText, eventOp, decoded, key.Length + headerBytes);
        return true;
    }

    /// <summary>Applies an accepted record to the stored aggregate (<paramref name="current"/>, null when none).</summary>
    public static MergeResult Merge(AcceptedRecord record, SourceSpec source, string primaryPart, RecordLimits limits, byte[]? current)
    {
        UserAggregate aggregate;
        string? corrupt = null;
        if (current is null)
        {
            aggregate = new UserAggregate(record.Key);
        }
        else
        {
            try
            {
                aggregate = AggregateCodec.Decode(current);
            }
            catch (FormatException ex)
            {
                // A corrupt entry must not wedge the key forever: it starts again from this record.
                corrupt = "corrupt store entry replaced: " + ex.Message;
                aggregate = new UserAggregate(record.Key);
            }
        }
        if (AggregateMerger.Apply(aggregate, source.Part, record.Op, record.Event) == MergeOutcome.Stale)
        {
            if (current is null || aggregate.Find(source.Part)?.Version != record.Event.Version)
                return new MergeResult(null, null, corrupt);
            return aggregate.IsDeleted(primaryPart)
                ? new MergeResult(null, null, corrupt) { Redelivered = true, TombstoneVersions = PartVersions.Format(aggregate) }
                : new MergeResult(null, current, corrupt) { Redelivered = true };
        }
        var encoded = AggregateCodec.Encode(aggregate);
        if ((long)encoded.Length + record.CarriedBytes > limits.MaxRecordBytes)
        {
            // The derived topic's producer would refuse it (and stop the stage): keep the previous aggregate.
            return new MergeResult(null, null, corrupt,
                $"merged aggregate would be {encoded.Length} bytes (+{record.CarriedBytes} bytes of key and headers), over limits.max-record-bytes ({limits.MaxRecordBytes})");
        }
        return aggregate.IsDeleted(primaryPart)
            ? new MergeResult(encoded, null, corrupt) { TombstoneVersions = PartVersions.Format(aggregate) }
            : new MergeResult(encoded, encoded, corrupt);
    }

    /// <summary>The part whose deletion deletes the aggregate.</summary>
    public static string PrimaryPart(AggregateStageSpec spec) => spec.Sources.FirstOrDefault(s => s.Primary)?.Part ?? spec.Sources[0].Part;
}
