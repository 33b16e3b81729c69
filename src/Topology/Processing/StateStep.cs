using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Processing;

/// <summary>
/// The state stage's per-record work: an aggregate's live fields through the stage's processors (which see
/// aggregate field names), then projected onto the Redis hash's field names. Shared by the runtime and the
/// fixture runner, so both write the same hash.
/// </summary>
public static class StateStep
{
    /// <summary>The hash fields for <paramref name="aggregate"/>, or null when a processor dropped the record.</summary>
    public static async ValueTask<KeyValuePair<string, string>[]?> ToHashFieldsAsync(
        StateStageSpec spec, RecordProcessorChain processors, string key, UserAggregate aggregate)
    {
        var fields = new List<KeyValuePair<string, string>>(16);
        fields.AddRange(aggregate.LiveFields());
        if (!processors.IsEmpty && !await processors.ProcessAsync(key, fields).ConfigureAwait(false))
            return null;
        var hash = new List<KeyValuePair<string, string>>(fields.Count);
        FieldProjection.Project(spec.Fields, fields, hash);
        return hash.ToArray();
    }
}
