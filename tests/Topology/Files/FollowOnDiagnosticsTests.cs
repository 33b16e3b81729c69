using ContactCenter.Topology.Files;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>One mistake, one diagnostic: errors that only restate an earlier one (and "unused" warnings it causes) are not printed.</summary>
[Trait("Kind", "Unit")]
public class FollowOnDiagnosticsTests
{
    [Theory]
    [InlineData("reads: [agent, user-feature, voice-agent]", "reads: [agnet, user-feature, voice-agent]", "reads 'agnet', which is neither a source nor a Kafka sink; did you mean 'agent'?")]
    [InlineData("reads: [user-aggregate]", "reads: [user-agregate]", "reads 'user-agregate', which is neither a source nor a Kafka sink; did you mean 'user-aggregate'?")]
    [InlineData("reads: [user-aggregate]", "reads: [agent-hash]", "reads 'agent-hash', a redis sink")]
    [InlineData("sinks: [user-aggregate, agent-aggregate-changelog]", "sinks: [user-agregate, agent-aggregate-changelog]", "writes to unknown sink 'user-agregate'; did you mean 'user-aggregate'?")]
    [InlineData("sinks: [agent-hash]", "sinks: [agent-hsh]", "writes to unknown sink 'agent-hsh'; did you mean 'agent-hash'?")]
    [InlineData("        changelog: agent-aggregate-changelog", "        changelog: agent-aggregate-changelg", "must be a Kafka sink written by stage 'agent-aggregate'; did you mean 'agent-aggregate-changelog'?")]
    [InlineData("          - source: agent\n", "          - source: agnet\n", "part 'agent' names unknown source 'agnet'; did you mean 'agent'?")]
    [InlineData("  - name: user-feature\n", "  - name: user feature\n", "'name' must be a name of letters")]
    [InlineData("  - name: agent-aggregate\n", "  - name: agent aggregate\n", "'name' must be a name of letters")]
    [InlineData("    type: kafka\n    topic: user-aggregate", "    type: kafak\n    topic: user-aggregate", "unknown sink type 'kafak'")]
    [InlineData("    partitions: 6\n    serde: json\n    op-header: cc-op\n    description: Agent identity", "    partitions: six\n    serde: json\n    op-header: cc-op\n    description: Agent identity", "'partitions' must be an integer")]
    [InlineData("        changelog: agent-aggregate-changelog", "        changelg: agent-aggregate-changelog", "unknown field 'changelg' in store; did you mean 'changelog'?")]
    [InlineData("    group: cc.agent-state", "    grop: cc.agent-state", "unknown field 'grop' in stage; did you mean 'group'?")]
    [InlineData("        type: merge", "        type: merj", "unknown processor type 'merj'")]
    [InlineData("        store: agent-aggregate-store", "        store: 5", "found the number 5; quote it")]
    [InlineData("            primary: true", "            primary: \"true\"", "found the text 'true'; write it without quotes")]
    public void OneMistakeGivesOneDiagnostic(string from, string to, string expected)
    {
        var result = TopologyLoader.Parse(Repo.AgentStateWith(from, to), "t.yaml");
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(Severity.Error, diagnostic.Severity);
        Assert.Contains(expected, diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnusedWarningsStayForFilesWithoutErrors()
    {
        var withSource = Repo.AgentStateWith("sinks:\n", "  - name: spare\n    topic: spare\n    key: agentId\n    partitions: 6\n\nsinks:\n");
        var result = TopologyLoader.Parse(withSource, "t.yaml");
        Assert.Contains(result.Diagnostics, d => d.Message == "source 'spare' is not read by any stage");
    }
}
