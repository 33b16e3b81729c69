using ContactCenter.Topology.Files;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>
/// An explicit YAML tag decides a scalar's type as the core schema (and so an editor checking the JSON Schema) says:
/// <c>!!str 6</c> is refused where a number is due, exactly like <c>"6"</c>, at the tagged value's line and column.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class YamlTagTests
{
    private static string FirstLineWith(string text, string fragment)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var index = Array.FindIndex(lines, l => l.Contains(fragment, StringComparison.Ordinal));
        Assert.True(index >= 0, fragment);
        return $"t.yaml:{index + 1}:{lines[index].IndexOf(fragment, StringComparison.Ordinal) + 1}: error:";
    }

    [Theory]
    [InlineData("version: 1", "version: !!str 1", "!!str 1")]
    [InlineData("version: 1", "version: !!float 1", "!!float 1")]
    [InlineData("    partitions: 6\n    serde: json", "    partitions: !!str 6\n    serde: json", "!!str 6")]
    [InlineData("    partitions: 6\n    serde: json", "    partitions: !!float 6\n    serde: json", "!!float 6")]
    [InlineData("    partitions: 6\n    serde: json", "    partitions: !custom 6\n    serde: json", "!custom 6")]
    [InlineData("    replicas: 3", "    replicas: !!float 3", "!!float 3")]
    [InlineData("    replicas: 3", "    replicas: !!str 3", "!!str 3")]
    [InlineData("            primary: true", "            primary: !!str true", "!!str true")]
    [InlineData("    group: cc.agent-state", "    group: !!int 7", "!!int 7")]
    public void A_tagged_scalar_of_the_wrong_type_is_refused_at_its_position(string from, string to, string tagged)
    {
        var text = Repo.AgentStateWith(from, to);
        var result = TopologyLoader.Parse(text, "t.yaml");
        var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).Select(d => d.ToString()).ToList();
        var at = FirstLineWith(text, tagged);
        Assert.True(errors.Any(e => e.StartsWith(at, StringComparison.Ordinal)), $"expected an error at {at}, got:\n{string.Join("\n", errors)}");
        Assert.Contains(errors, e => e.Contains("tagged", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("    partitions: 6\n    serde: json", "    partitions: \"6\"\n    serde: json")]
    public void The_quoted_spelling_is_refused_too(string from, string to)
    {
        var result = TopologyLoader.Parse(Repo.AgentStateWith(from, to), "t.yaml");
        Assert.True(result.HasErrors);
    }

    [Theory]
    [InlineData("version: 1", "version: !!int 1")]
    [InlineData("    partitions: 6\n    serde: json", "    partitions: !!int \"6\"\n    serde: json")]
    [InlineData("    group: cc.agent-state", "    group: !!str cc.agent-state")]
    [InlineData("            primary: true", "            primary: !!bool true")]
    [InlineData("    description: What each agent may do.", "    description: !!str 42")]
    public void A_tag_that_names_the_expected_type_is_accepted(string from, string to)
    {
        var result = TopologyLoader.Parse(Repo.AgentStateWith(from, to), "t.yaml");
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
    }
}
