using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Processing;

/// <summary>What a window stage reads from one record.</summary>
/// <param name="Selected">The record counts (its <c>where</c> matched); false for records the window ignores.</param>
/// <param name="RecordKey">The record key (agent id).</param>
/// <param name="Group">The group-by values joined by ':' (values follow the record-key rule, so they hold no ':').</param>
/// <param name="EventTime">Event time, Unix ms.</param>
/// <param name="OncePer">The <c>once-per</c> field's value; null when the window has none or the record lacks it.</param>
/// <param name="Reject">Why the record is dead-lettered; null when it is not.</param>
internal readonly record struct WindowRecord(bool Selected, string RecordKey, string Group, long EventTime, string? OncePer, string? Reject)
{
    public static WindowRecord Rejected(string reason) => new(false, string.Empty, string.Empty, 0, null, reason);

    public static readonly WindowRecord Ignored = new(false, string.Empty, string.Empty, 0, null, null);
}

/// <summary>
/// A window stage's reading of one record: checks the key, decodes the aggregate or source event, applies the
/// selection, and reads the group-by values, the event time and the once-per value. Never throws on a bad record.
/// </summary>
internal static class WindowRecordStep
{
    public static WindowRecord Read(WindowStageSpec spec, byte[]? key, byte[]? value)
    {
        if (!RecordKeyRule.TryValidate(key, spec.Limits.MaxKeyBytes, out var keyText, out var keyReason))
            return WindowRecord.Rejected(keyReason);
        if (value is null) return WindowRecord.Ignored; // a deleted agent starts no call
        if (value.Length > spec.Limits.MaxRecordBytes)
            return WindowRecord.Rejected($"value is {value.Length} bytes, over limits.max-record-bytes ({spec.Limits.MaxRecordBytes})");
        if (!TryFields(spec, keyText, value, out var fields, out var time, out var reason))
            return WindowRecord.Rejected(reason!);
        if (spec.WhereField is { } where && !(fields.TryGet(where, out var selected) && spec.WhereValues.Contains(selected)))
            return WindowRecord.Ignored;
        if (time < 0) return WindowRecord.Rejected($"window {spec.Name}: event time {time} is negative");
        var group = new string[spec.GroupBy.Count];
        for (var i = 0; i < group.Length; i++)
        {
            var field = spec.GroupBy[i];
            if (!fields.TryGet(field, out var v))
                return WindowRecord.Rejected($"window {spec.Name}: group-by field '{field}' is missing");
            if (!RecordKeyRule.IsValid(v, spec.Limits.MaxKeyBytes))
                return WindowRecord.Rejected($"window {spec.Name}: group-by field '{field}' is {Printable.Of(v)}, not 1 to {spec.Limits.MaxKeyBytes} bytes of {RecordKeyRule.Description}");
            group[i] = v;
        }
        var oncePer = spec.OncePerField is { } once && fields.TryGet(once, out var id) ? id : null;
        return new WindowRecord(true, keyText, string.Join(':', group), time, oncePer, null);
    }

    private static bool TryFields(WindowStageSpec spec, string key, byte[] value, out RecordFields fields, out long time, out string? reason)
    {
        fields = default;
        time = 0;
        reason = null;
        if (spec.InputFormat == WindowInputFormat.Aggregate)
        {
            UserAggregate aggregate;
            try
            {
                aggregate = AggregateCodec.Decode(value);
            }
            catch (FormatException ex)
            {
                reason = ex.Message;
                return false;
            }
            if (aggregate.Key != key)
            {
                reason = $"aggregate key {Printable.Of(aggregate.Key)} does not match the record key '{key}'";
                return false;
            }
            // Looked up in the aggregate itself: most records fail the where and need one field of it, not a map of all.
            fields = new RecordFields(aggregate, null);
            time = aggregate.Timestamp;
            return true;
        }
        var wanted = spec.GroupBy.Append(spec.WhereField).Append(spec.OncePerField).OfType<string>().Distinct(StringComparer.Ordinal)
            .Select(f => new FieldMapping(f, f)).ToList();
        var source = new SourceSpec(spec.Name, spec.InputTopic, spec.InputPartitions, spec.Name, Primary: false, wanted) { TimestampField = spec.TimestampField };
        if (!SourceEventDecoder.TryDecode(value, source, spec.Limits, out var decoded, out reason)) return false;
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in decoded.Fields) map[name] = text;
        fields = new RecordFields(null, map);
        time = decoded.Timestamp;
        return true;
    }

    /// <summary>A record's fields: an aggregate's live fields, or a source event's decoded ones.</summary>
    private readonly record struct RecordFields(UserAggregate? Aggregate, Dictionary<string, string>? Decoded)
    {
        public bool TryGet(string name, out string value)
        {
            if (Aggregate is not null) return Aggregate.TryGetLiveField(name, out value);
            if (Decoded is not null && Decoded.TryGetValue(name, out var found))
            {
                value = found;
                return true;
            }
            value = string.Empty;
            return false;
        }
    }
}
