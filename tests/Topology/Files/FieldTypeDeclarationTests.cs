using ContactCenter.Topology.Files;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>The <c>types</c> of a merge part: a JSON type per mapped event field, refused at its position otherwise.</summary>
[Trait("Kind", "Unit")]
public sealed class FieldTypeDeclarationTests
{
    private const string Declared = "            types: {name: string, tenantId: string, status: string, presence: string}\n";

    private static List<string> Errors(string types)
    {
        var text = Repo.AgentStateWith(Declared, types);
        return TopologyLoader.Parse(text, "t.yaml").Diagnostics.Where(d => d.Severity == Severity.Error).Select(d => d.ToString()).ToList();
    }

    [Fact]
    public void A_type_outside_the_list_is_refused_with_a_hint() =>
        Assert.Contains(Errors("            types: {name: strng}\n"), e => e.Contains("one of 'string', 'number'", StringComparison.Ordinal) && e.Contains("did you mean 'string'", StringComparison.Ordinal));

    [Fact]
    public void A_type_for_a_field_the_part_does_not_map_is_refused_with_a_hint() =>
        Assert.Contains(Errors("            types: {nmae: string}\n"), e => e.Contains("declares the type of 'nmae', which its 'fields' do not map", StringComparison.Ordinal)
            && e.Contains("did you mean 'name'", StringComparison.Ordinal));

    [Fact]
    public void A_null_type_is_refused() =>
        Assert.Contains(Errors("            types: {name: null}\n"), e => e.Contains("'name' must name a JSON type", StringComparison.Ordinal));

    [Fact]
    public void Types_are_optional() => Assert.Empty(Errors(string.Empty));
}
