using ContactCenter.Processor.Operations.Migration;
using ContactCenter.Tests.Support;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Tests.Processor.Operations.Migration;

/// <summary>What <c>migrate</c> plans from two topology files, and the one-line reasons it refuses to start.</summary>
[Trait("Kind", "Unit")]
public sealed class MigrationPlanTests
{
    private static PipelineSpec Spec(string text) => TopologyLoader.Parse(text, "t.yaml").Spec ?? throw new InvalidOperationException("invalid topology");

    private static PipelineSpec Old => Spec(Repo.AgentStateText);

    private static PipelineSpec P12 => Spec(File.ReadAllText(Repo.File("topologies/agent-state-p12.yaml")));

    [Fact]
    public void Six_to_twelve_partitions_creates_new_topics_bridges_every_source_and_keeps_the_dead_letters()
    {
        var plan = MigrationPlan.Create(Old, P12);
        Assert.Empty(plan.Refusals);
        Assert.Equal((6, 12), (plan.PartitionsBefore, plan.PartitionsAfter));
        Assert.Equal(["agent -> agent.p12", "user-feature -> user-feature.p12", "voice-agent -> voice-agent.p12"],
            plan.Bridge.Select(b => $"{b.From} -> {b.To}"));
        Assert.All(plan.Bridge, b => Assert.Equal((6, 12), (b.FromPartitions, b.ToPartitions)));
        var topics = plan.Topics.ToDictionary(t => t.Name);
        Assert.Equal(5, topics.Count);
        Assert.All(topics.Values, t => Assert.Equal(12, t.Partitions));
        Assert.Equal("compact", topics["user-aggregate.p12"].Configs["cleanup.policy"]);
        Assert.Equal("compact", topics["cc.agent-aggregate-p12-agent-aggregate-store-changelog"].Configs["cleanup.policy"]);
        Assert.False(topics.ContainsKey("cc.dead-letter"));
        Assert.Equal("agent-state-p12", plan.Id);
    }

    [Theory]
    [InlineData("  - name: agent-state-p12\n", "  - name: agent-state\n", "needs a name of its own")]
    [InlineData("group: cc.agent-state-p12\n", "group: cc.agent-state\n", "running stage's group 'cc.agent-state'")]
    [InlineData("topic: agent.p12\n", "topic: agent\n", "keeps topic 'agent' with 12 partitions")]
    [InlineData("key-pattern: \"cc:agent:{key}\"", "key-pattern: \"cc:agent2:{key}\"", "key pattern changes")]
    [InlineData("part: feature\n", "part: features\n", "merges as part 'features' instead of 'feature'")]
    [InlineData("topic: user-aggregate.p12\n", "topic: user-aggregate\n", "derived topic 'user-aggregate'")]
    public void What_cannot_run_side_by_side_is_refused_with_a_reason(string from, string to, string reason)
    {
        var text = File.ReadAllText(Repo.File("topologies/agent-state-p12.yaml"));
        Assert.Contains(from, text);
        var plan = MigrationPlan.Create(Old, Spec(text.Replace(from, to, StringComparison.Ordinal)));
        Assert.Contains(plan.Refusals, r => r.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_store_and_changelog_move_without_a_partition_change_needs_no_bridge()
    {
        var text = Repo.AgentStateText
            .Replace("  - name: agent-state\n    group: cc.agent-state\n", "  - name: agent-state-v2\n    group: cc.agent-state-v2\n", StringComparison.Ordinal)
            .Replace("  - name: agent-aggregate\n    group: cc.agent-aggregate\n", "  - name: agent-aggregate-v2\n    group: cc.agent-aggregate-v2\n", StringComparison.Ordinal)
            .Replace("topic: cc.agent-aggregate-agent-aggregate-store-changelog", "topic: cc.agent-aggregate-v2-agent-aggregate-store-changelog", StringComparison.Ordinal)
            .Replace("    topic: user-aggregate\n", "    topic: user-aggregate.v2\n", StringComparison.Ordinal)
            // The window stage moves with them: a group and changelog of its own, so it counts NEW's derived topic afresh.
            .Replace("    group: cc.calls-started\n", "    group: cc.calls-started-v2\n", StringComparison.Ordinal)
            .Replace("topic: cc.calls-started-calls-started-store-changelog", "topic: cc.calls-started-v2-calls-started-store-changelog", StringComparison.Ordinal);
        var plan = MigrationPlan.Create(Old, Spec(text));
        Assert.Empty(plan.Refusals);
        Assert.Empty(plan.Bridge);
        Assert.Equal(["user-aggregate.v2", "cc.agent-aggregate-v2-agent-aggregate-store-changelog", "cc.calls-started-v2-calls-started-store-changelog"],
            plan.Topics.Select(t => t.Name));
    }
}
