using System.Xml.Linq;
using ContactCenter.Topology.Files;
using Xunit;

namespace ContactCenter.Tests.Cli;

[Trait("Kind", "Unit")]
public class TopologyToolsTests
{
    [Fact]
    public void DiagramWritesMermaidAndAnSvgABrowserOpens()
    {
        var svgPath = Path.Combine(Path.GetTempPath(), $"cc-diagram-{Guid.NewGuid():N}.svg");
        try
        {
            var (code, mermaid) = CliRunner.Run("diagram", Repo.AgentState, "--svg", svgPath);
            Assert.Equal(0, code);
            Assert.StartsWith("flowchart LR\n", mermaid);
            foreach (var id in new[] { "source_agent", "source_user_feature", "source_voice_agent", "stage_agent_aggregate", "stage_agent_state", "store_agent_aggregate_store", "sink_user_aggregate", "sink_agent_aggregate_changelog", "sink_agent_hash", "sink_dead_letter" })
                Assert.Contains($"  {id}", mermaid);
            Assert.Contains("sink_user_aggregate --> stage_agent_state", mermaid);
            Assert.Contains("group cc.agent-aggregate", mermaid);

            var svg = XDocument.Load(svgPath);
            XNamespace ns = "http://www.w3.org/2000/svg";
            Assert.Equal(ns + "svg", svg.Root!.Name);
            var groups = svg.Root.Elements(ns + "g").Select(g => (string)g.Attribute("id")!).ToList();
            // Ten boxes of the agent pipeline; the calls-started window adds itself, its store, its Redis hashes and its changelog.
            Assert.Equal(14, groups.Count);
            Assert.True(X("sink_user_aggregate") < X("stage_calls_started"));
            Assert.Contains("sink_user_aggregate --> stage_calls_started", mermaid);
            Assert.Contains("stage_calls_started --> windowkeys_calls_started", mermaid);
            // Columns follow the flow: sources left of the merge stage, left of its topic, left of the Redis stage.
            double X(string id) => (double)svg.Root.Elements(ns + "g").Single(g => (string)g.Attribute("id")! == id).Element(ns + "rect")!.Attribute("x")!;
            Assert.True(X("source_agent") < X("stage_agent_aggregate"));
            Assert.True(X("stage_agent_aggregate") < X("sink_user_aggregate"));
            Assert.True(X("sink_user_aggregate") < X("stage_agent_state"));
            Assert.True(X("stage_agent_state") < X("sink_agent_hash"));
            Assert.Equal(X("stage_agent_aggregate"), X("store_agent_aggregate_store"));
        }
        finally
        {
            File.Delete(svgPath);
        }
    }

    private static (int Code, string Output) Plan(string oldText, string newText)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"cc-plan-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "old.yaml"), oldText);
            File.WriteAllText(Path.Combine(dir, "new.yaml"), newText);
            return CliRunner.Run("plan", Path.Combine(dir, "old.yaml"), Path.Combine(dir, "new.yaml"));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void PlanOfTheSameFileKeepsState()
    {
        var (code, output) = Plan(Repo.AgentStateText, Repo.AgentStateText);
        Assert.Equal(0, code);
        Assert.Contains("verdict: keeps state (exit 0)", output);
    }

    [Theory]
    [InlineData("group: cc.agent-state\n    replicas: 3", "group: cc.agent-state\n    replicas: 6", 0, "replicas 3 -> 6")]
    [InlineData("      callState: call_state", "      callState: callState", 2, "field mapping changed (-callState: call_state, +callState: callState)")]
    [InlineData("key-pattern: \"cc:agent:{key}\"", "key-pattern: \"cc:agent:v2:{key}\"", 2, "key pattern 'cc:agent:{key}' -> 'cc:agent:v2:{key}'")]
    [InlineData("agent-aggregate-store", "agent-aggregate-store-v2", 2, "store renamed 'agent-aggregate-store' -> 'agent-aggregate-store-v2'")]
    [InlineData("              presence: presence", "              presence: availability", 2, "field mapping of part 'agent' changed")]
    [InlineData("    topic: user-aggregate\n", "    topic: user-aggregate-v2\n", 2, "topic 'user-aggregate' -> 'user-aggregate-v2'")]
    // The changelog topic is named after the group, so renaming a group renames it too.
    [InlineData("cc.agent-aggregate", "cc.agent-aggregate-v2", 3, "consumer group 'cc.agent-aggregate' -> 'cc.agent-aggregate-v2'")]
    [InlineData("partitions: 6", "partitions: 12", 3, "partitions 6 -> 12")]
    [InlineData("key: agentId", "key: userId", 3, "key 'agentId' -> 'userId'")]
    public void PlanClassifiesChanges(string from, string to, int expectedCode, string expectedReason)
    {
        var (code, output) = Plan(Repo.AgentStateText, Repo.AgentStateWith(from, to));
        Assert.True(expectedCode == code, output);
        Assert.Contains(expectedReason, output);
        if (code != 0) Assert.Contains("fix: ", output);
    }

    [Fact]
    public void PlanOfAnInvalidFileExitsOne()
    {
        var (code, output) = Plan(Repo.AgentStateText, "version: 1\nname: x\n");
        Assert.Equal(1, code);
        Assert.Contains("error: topology is missing required field 'sources'", output);
        Assert.Contains("plan: invalid input (exit 1)", output);
    }
}
