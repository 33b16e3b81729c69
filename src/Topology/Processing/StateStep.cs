using System.Text;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Processing;

/// <summary>What the state stage does with one aggregate record.</summary>
internal enum StateAction
{
    /// <summary>Write <see cref="StateOutcome.Fields"/> to <see cref="StateOutcome.RedisKey"/> (fenced).</summary>
    Upsert,

    /// <summary>Delete the hash at <see cref="StateOutcome.RedisKey"/> (fenced tombstone).</summary>
    Delete,

    /// <summary>A processor (filter, dedup) dropped it: nothing is written, the offset still counts as done.</summary>
    Dropped,

    /// <summary>The record is bad: dead-letter it with <see cref="StateOutcome.Reason"/>.</summary>
    Rejected,
}

/// <summary>The state stage's decision for one record.</summary>
internal readonly record struct StateOutcome(StateAction Action, string? RedisKey, KeyValuePair<string, string>[]? Fields, long TimestampMs, string? Reason)
{
    /// <summary>The aggregate's per-part versions (<see cref="PartVersions"/>) for an upsert; null for a delete, whose
    /// record has no aggregate (its versions travel in the <see cref="PartVersions.Header"/> header).</summary>
    public string? Versions { get; init; }

    public static StateOutcome Reject(string reason) => new(StateAction.Rejected, null, null, 0, reason);
}

/// <summary>
/// The state stage's per-record work: checks the key and size, decodes the aggregate, runs the stage's processors on
/// its live fields (they see aggregate field names) and projects them onto the Redis hash's field names. The runtime
/// calls it for every record; nothing here throws on a bad record.
/// </summary>
internal static class StateStep
{
    /// <summary>Decides what to do with the record (<paramref name="key"/>, <paramref name="value"/>); a null value is a tombstone.
    /// <paramref name="record"/> is its identity (topic:partition:offset), which owns any dedup claim it makes.</summary>
    public static async ValueTask<StateOutcome> ProcessAsync(StateStageSpec spec, RecordProcessorChain processors, byte[]? key, byte[]? value, long recordTimestampMs,
        string? record = null)
    {
        if (!RecordKeyRule.TryValidate(key, spec.Limits.MaxKeyBytes, out var keyText, out var reason))
            return StateOutcome.Reject(reason);
        var redisKey = RedisKeyOf(spec, keyText);
        if (value is null)
            return new StateOutcome(StateAction.Delete, redisKey, null, Math.Max(0, recordTimestampMs), null);
        if (value.Length > spec.Limits.MaxRecordBytes)
            return StateOutcome.Reject($"value is {value.Length} bytes, over limits.max-record-bytes ({spec.Limits.MaxRecordBytes})");

        UserAggregate aggregate;
        try
        {
            aggregate = AggregateCodec.Decode(value);
        }
        catch (FormatException ex)
        {
            return StateOutcome.Reject(ex.Message);
        }
        if (aggregate.Key != keyText)
            return StateOutcome.Reject($"aggregate key {Printable.Of(aggregate.Key)} does not match the record key '{keyText}'");
        if (aggregate.Timestamp < 0)
            return StateOutcome.Reject("aggregate timestamp is negative");
        var fields = await ToHashFieldsAsync(spec, processors, keyText, aggregate, record).ConfigureAwait(false);
        return fields is null
            ? new StateOutcome(StateAction.Dropped, redisKey, null, aggregate.Timestamp, null)
            : new StateOutcome(StateAction.Upsert, redisKey, fields, aggregate.Timestamp, null) { Versions = PartVersions.Format(aggregate) };
    }

    /// <summary>The Redis key of an agent's hash: the sink's key pattern with the (valid) key in place of <c>{key}</c>.</summary>
    public static string RedisKeyOf(StateStageSpec spec, string key) => spec.KeyPattern.Replace("{key}", key, StringComparison.Ordinal);

    /// <summary>The hash fields for <paramref name="aggregate"/>, or null when a processor dropped the record.</summary>
    public static ValueTask<KeyValuePair<string, string>[]?> ToHashFieldsAsync(
        StateStageSpec spec, RecordProcessorChain processors, string key, UserAggregate aggregate, string? record = null)
    {
        if (processors.IsEmpty)
        {
            // Synchronous: this thread's scratch lists, and the only allocation is the array the write keeps.
            var live = _live ??= new List<KeyValuePair<string, string>>(16);
            var projected = _projected ??= new List<KeyValuePair<string, string>>(16);
            live.Clear();
            projected.Clear();
            foreach (var part in aggregate.Parts)
                if (!part.Deleted) live.AddRange(part.Fields);
            FieldProjection.Project(spec.Fields, live, projected);
            return new ValueTask<KeyValuePair<string, string>[]?>(projected.ToArray());
        }
        return ProcessThenProjectAsync(spec, processors, key, aggregate, record);
    }

    [ThreadStatic] private static List<KeyValuePair<string, string>>? _live;
    [ThreadStatic] private static List<KeyValuePair<string, string>>? _projected;

    private static async ValueTask<KeyValuePair<string, string>[]?> ProcessThenProjectAsync(
        StateStageSpec spec, RecordProcessorChain processors, string key, UserAggregate aggregate, string? record)
    {
        var fields = new List<KeyValuePair<string, string>>(16);
        fields.AddRange(aggregate.LiveFields());
        if (!await processors.ProcessAsync(key, fields, record).ConfigureAwait(false))
            return null;
        var hash = new List<KeyValuePair<string, string>>(fields.Count);
        FieldProjection.Project(spec.Fields, fields, hash);
        return hash.ToArray();
    }
}
