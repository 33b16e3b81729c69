using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Processor.Pipeline;

/// <summary>Turns an aggregate into the fields of its Redis hash, as the state stage's mapping says.</summary>
internal static class StateFieldMapper
{
    public static KeyValuePair<string, string>[] Map(StateStageSpec spec, UserAggregate aggregate)
    {
        var fields = new List<KeyValuePair<string, string>>(16);
        if (spec.Fields.Count == 0)
        {
            fields.AddRange(aggregate.LiveFields());
            return fields.ToArray();
        }
        foreach (var field in aggregate.LiveFields())
        {
            foreach (var mapping in spec.Fields)
            {
                if (mapping.From == field.Key)
                    fields.Add(new KeyValuePair<string, string>(mapping.To, field.Value));
            }
        }
        return fields.ToArray();
    }
}
