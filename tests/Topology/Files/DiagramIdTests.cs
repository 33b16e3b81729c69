using System.Text.RegularExpressions;
using System.Xml.Linq;
using ContactCenter.Topology.Files;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>Diagram node ids never collide, and long names are shortened in the picture with the full name kept.</summary>
[Trait("Kind", "Unit")]
public class DiagramIdTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static TopologyModel Model(string text)
    {
        var result = TopologyLoader.Parse(text, "t.yaml");
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        return result.Model!;
    }

    // Sinks whose names differ only in characters the ids replace: user-aggregate, user.aggregate, user_aggregate.
    private static readonly string LookAlikes = Repo.AgentStateWith("  - name: agent-hash\n", """
          - name: user.aggregate
            type: kafka
            topic: other-1
            partitions: 6
          - name: user_aggregate
            type: kafka
            topic: other-2
            partitions: 6
          - name: agent-hash

        """.Replace("\r\n", "\n"));

    [Fact]
    public void NamesThatDifferOnlyInSanitizedCharactersGetDistinctNodes()
    {
        var model = Model(LookAlikes);
        var mermaid = TopologyDiagram.Mermaid(model);
        var definitions = Regex.Matches(mermaid, @"^  (\w+)[\[\(]", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(definitions.Count, definitions.Distinct().Count());
        // A window draws itself, its store and its Redis hashes.
        Assert.Equal(model.Sources.Count + model.Sinks.Count + model.Stages.Count + model.Stages.Sum(s => s.Stores.Count) + 3 * model.Windows.Count, definitions.Count);
        // The reading stage's edge still comes from the sink it reads, not from a look-alike.
        Assert.Contains("sink_user_aggregate --> stage_agent_state", mermaid);

        var svg = XDocument.Parse(TopologyDiagram.Svg(model));
        var ids = svg.Root!.Elements(Svg + "g").Select(g => (string)g.Attribute("id")!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(definitions.Count, ids.Count);
    }

    [Fact]
    public void IdsAreUniqueEvenWhenANameLooksLikeASuffixedId()
    {
        var ids = new DiagramIds();
        var all = new[] { ids.For("sink", "a.b"), ids.For("sink", "a-b"), ids.For("sink", "a_b_2"), ids.For("sink", "a_b"), ids.For("source", "a.b") };
        Assert.Equal(all.Length, all.Distinct().Count());
        Assert.Equal(ids.For("sink", "a-b"), all[1]);
    }

    [Fact]
    public void LongNamesAreShortenedWithTheFullNameKept()
    {
        var longStage = "agent-state-" + new string('x', 80) + "-end";
        var longTopic = "user-aggregate-" + new string('y', 120);
        var text = Repo.AgentStateWith("  - name: agent-state\n", $"  - name: {longStage}\n").Replace("topic: user-aggregate\n", $"topic: {longTopic}\n");
        var model = Model(text);

        var mermaid = TopologyDiagram.Mermaid(model);
        var labels = Regex.Matches(mermaid, "\"<b>(.*?)</b><br/>(.*?)\"").Select(m => (Title: m.Groups[1].Value, Sub: m.Groups[2].Value)).ToList();
        Assert.All(labels, l => Assert.True(l.Title.Length <= DiagramText.MermaidNameChars, l.ToString()));
        Assert.DoesNotContain(labels, l => l.Sub.Contains(longTopic, StringComparison.Ordinal));
        Assert.Contains(labels, l => l.Title.StartsWith("agent-state-x", StringComparison.Ordinal) && l.Title.EndsWith("x-end", StringComparison.Ordinal) && l.Title.Contains('…'));
        Assert.Contains($"%% stage_{longStage.Replace('-', '_')}: {longStage}", mermaid);
        Assert.Contains(longTopic, mermaid);

        var svg = XDocument.Parse(TopologyDiagram.Svg(model));
        var stage = svg.Root!.Elements(Svg + "g").Single(g => ((string)g.Attribute("id")!).StartsWith("stage_agent_state_", StringComparison.Ordinal));
        Assert.Contains(longStage, (string)stage.Element(Svg + "title")!);
        Assert.All(stage.Elements(Svg + "text"), t => Assert.True(t.Value.Length <= DiagramText.SubtitleChars, t.Value));
        var topic = svg.Root.Elements(Svg + "g").Single(g => (string)g.Attribute("id")! == "sink_user_aggregate");
        Assert.Contains(longTopic, (string)topic.Element(Svg + "title")!);
        Assert.DoesNotContain(longTopic, string.Concat(topic.Elements(Svg + "text").Select(t => t.Value)));
    }
}
