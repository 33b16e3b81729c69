using System.Text;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Tests.Topology.Events;

/// <summary>
/// A part's declared field types (topology file: <c>types</c>) are checked per record: a field of another JSON type
/// fails the record with the field named; a null is an absent field; an undeclared field takes anything. The checks are
/// judged against the JSON value as written, not against the decoder's own output.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class FieldTypeTests
{
    private static SourceSpec Source(JsonFieldType type) =>
        new("s", "s", 1, "p", true, [new FieldMapping("f", "f") { Type = type }, new FieldMapping("free", "free")]);

    private static string? Reason(JsonFieldType type, string value) =>
        SourceEventDecoder.TryDecode(Encoding.UTF8.GetBytes($"{{\"agentId\":\"a-1\",\"version\":1,\"f\":{value},\"free\":{value}}}"), Source(type),
            RecordLimits.Default, out _, out var error) ? null : error;

    public static TheoryData<JsonFieldType, string, bool> Cases()
    {
        var values = new Dictionary<string, JsonFieldType[]>
        {
            ["\"text\""] = [JsonFieldType.String],
            ["\"42\""] = [JsonFieldType.String],
            ["42"] = [JsonFieldType.Number, JsonFieldType.Integer],
            ["-7.0"] = [JsonFieldType.Number, JsonFieldType.Integer],
            ["1e3"] = [JsonFieldType.Number, JsonFieldType.Integer],
            ["3.5"] = [JsonFieldType.Number],
            ["true"] = [JsonFieldType.Boolean],
            ["false"] = [JsonFieldType.Boolean],
            ["{\"a\":[1,2]}"] = [JsonFieldType.Object],
            ["[1,\"x\"]"] = [JsonFieldType.Array],
            ["null"] = Enum.GetValues<JsonFieldType>(),
        };
        var data = new TheoryData<JsonFieldType, string, bool>();
        foreach (var (value, accepted) in values)
            foreach (var type in Enum.GetValues<JsonFieldType>())
                data.Add(type, value, type == JsonFieldType.Any || accepted.Contains(type));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_declared_type_accepts_exactly_its_JSON_values(JsonFieldType type, string value, bool accepted)
    {
        var reason = Reason(type, value);
        if (accepted)
            Assert.Null(reason);
        else
            Assert.StartsWith("field 'f' must be ", reason);
    }

    [Fact]
    public void The_reason_names_the_field_the_type_and_what_was_found() =>
        Assert.Equal("field 'f' must be a string, found an object", Reason(JsonFieldType.String, "{\"a\":[1,2]}"));

    [Fact]
    public void The_shipped_topology_declares_the_types_its_simulation_sends()
    {
        var spec = TopologyLoader.Load(Repo.AgentState).Spec!;
        var types = spec.Aggregate.Sources.SelectMany(s => s.Fields).ToDictionary(f => f.From, f => f.Type);
        Assert.Equal(JsonFieldType.String, types["name"]);
        Assert.Equal(JsonFieldType.Boolean, types["recording"]);
        Assert.Equal(JsonFieldType.Array, types["skills"]);
    }
}
