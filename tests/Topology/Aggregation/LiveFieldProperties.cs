using ContactCenter.Topology.Aggregation;
using FsCheck.Xunit;

namespace ContactCenter.Tests.Topology.Aggregation;

/// <summary>
/// A window reads single fields of an aggregate without building a map of its live fields: the value found must be the
/// one a map filled from <see cref="UserAggregate.LiveFields"/> in order would hold (a later part wins, deleted parts
/// count for nothing), for any parts, deletions and repeated names.
/// </summary>
[Trait("Kind", "Property")]
public class LiveFieldProperties
{
    private static readonly string[] Names = ["status", "tenantId", "callState", "name", "skill"];

    [Property(MaxTest = 300)]
    public bool A_field_looked_up_is_the_last_live_one(byte[] layout, bool[] deleted)
    {
        var aggregate = new UserAggregate("agent-1");
        for (var i = 0; i < layout.Length; i++)
        {
            var part = aggregate.GetOrAdd("p" + (layout[i] % 4));
            part.Fields.Add(KeyValuePair.Create(Names[(layout[i] >> 2) % Names.Length], $"v{i}"));
            part.Deleted = deleted.Length > 0 && deleted[i % deleted.Length];
        }
        var model = new Dictionary<string, string>();
        foreach (var part in aggregate.Parts.Where(p => !p.Deleted))
            foreach (var field in part.Fields) model[field.Key] = field.Value;
        return Names.Append("absent").All(name =>
            aggregate.TryGetLiveField(name, out var value) == model.TryGetValue(name, out var expected) && (expected is null || value == expected));
    }
}
