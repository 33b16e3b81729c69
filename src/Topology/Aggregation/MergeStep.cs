using System.Text;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Aggregation;

/// <summary>A source record that passed every check: its key, op and decoded event.</summary>
public readonly record struct AcceptedRecord(string Key, EventOp Op, DecodedEvent Event);

/// <summary>The aggregate after one accepted record: null <see cref="State"/> means stale (nothing changes).</summary>
/// <param name="State">New store value, or null when the record was stale.</param>
/// <param name="Output">The record for the derived topic; null is a tombstone (the agent is deleted).</param>
/// <param name="CorruptState">Set when the stored value could not be read and was started again from this record.</param>
public readonly record struct MergeResult(byte[]? State, byte[]? Output, string? CorruptState)
{
    public bool IsStale => State is null;
}

/// <summary>
/// The whole of the merge stage's per-record work, independent of where records come from: the Streamiz
/// processor and the fixture runner both call it, so a fixture tests exactly what production runs, dead-letter
/// reasons included.
/// </summary>
public static class MergeStep
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Header value for <see cref="EventHeaders.DeadLetterSource"/>: <c>topic/partition/offset</c>.</summary>
    public static string SourceOf(string topic, int partition, long offset) => $"{topic}/{partition}/{offset}";

    /// <summary>
    /// Checks a source record; false with a reason for the dead-letter topic when it cannot be merged.
    /// <paramref name="op"/> is the raw op header value, null when the header is missing.
    /// </summary>
    public static bool TryAccept(SourceSpec source, byte[]? key, byte[]? value, byte[]? op, out AcceptedRecord accepted, out string reason)
    {
        accepted = default;
        reason = string.Empty;
        if (key is null || key.Length == 0) { reason = "record has no key"; return false; }
        if (value is null) { reason = "source record has no value (tombstone)"; return false; }
        if (op is null) { reason = $"missing header '{source.OpHeader}'"; return false; }
        if (!EventHeaders.TryDecode(op, out var eventOp))
        {
            reason = $"invalid header '{source.OpHeader}': '{Encoding.UTF8.GetString(op)}'";
            return false;
        }
        string keyText;
        try
        {
            keyText = StrictUtf8.GetString(key);
        }
        catch (DecoderFallbackException)
        {
            reason = "key is not valid UTF-8";
            return false;
        }
        if (!SourceEventDecoder.TryDecode(value, source.Fields, out var decoded, out var error))
        {
            reason = error ?? "undecodable event";
            return false;
        }
        if (decoded.AgentId is not null && decoded.AgentId != keyText)
        {
            reason = $"agentId '{decoded.AgentId}' in the value does not match the key '{keyText}'";
            return false;
        }
        accepted = new AcceptedRecord(keyText, eventOp, decoded);
        return true;
    }

    /// <summary>Applies an accepted record to the stored aggregate (<paramref name="current"/>, null when none).</summary>
    public static MergeResult Merge(AcceptedRecord record, SourceSpec source, string primaryPart, byte[]? current)
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
            return new MergeResult(null, null, corrupt);
        var encoded = AggregateCodec.Encode(aggregate);
        return new MergeResult(encoded, aggregate.IsDeleted(primaryPart) ? null : encoded, corrupt);
    }

    /// <summary>The part whose deletion deletes the aggregate.</summary>
    public static string PrimaryPart(AggregateStageSpec spec) => spec.Sources.FirstOrDefault(s => s.Primary)?.Part ?? spec.Sources[0].Part;
}
