using ContactCenter.Processor.Pipeline;
using ContactCenter.Topology.Files;
using Xunit;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>The count and time-in-state processors in topology files: validated with positions, compiled, described,
/// diagrammed and planned.</summary>
[Trait("Kind", "Unit")]
public class CountProcessorTests
{
    private static string Supervisors => File.ReadAllText(Repo.File("topologies/examples/agent-supervisors.yaml")).Replace("\r\n", "\n");

    private static string With(string from, string to)
    {
        var text = Supervisors;
        Assert.Contains(from, text);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    private static List<string> Errors(string text) =>
        TopologyLoader.Parse(text, "t.yaml").Diagnostics.Where(d => d.Severity == Severity.Error).Select(d => d.ToString()).ToList();

    private static int LineOf(string text, string fragment) => text[..text.IndexOf(fragment, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    [Fact]
    public void TheExampleCompilesItsCountAndTimeInStateIntoTheStateStage()
    {
        var result = TopologyLoader.Load(Repo.File("topologies/examples/agent-supervisors.yaml"));
        Assert.Empty(result.Diagnostics);
        var state = result.Spec!.State;
        var count = Assert.Single(state.Counts);
        Assert.Equal(("team-status", "cc:count:tenant-status"), (count.Name, count.Key));
        Assert.Equal(["tenant", "status"], count.By);
        Assert.Equal("status", state.TimeInStateField);
        Assert.Empty(state.Processors); // neither is a record processor
    }

    [Fact]
    public void AnUnknownGroupFieldIsAnErrorOnItsPositionWithAHint()
    {
        var text = With("by: [tenant, status]", "by: [tenant, statsu]");
        var error = Assert.Single(Errors(text));
        Assert.StartsWith($"t.yaml:{LineOf(text, "by: [tenant, statsu]")}:22: error: count 'team-status' groups by 'statsu'", error);
        Assert.EndsWith("did you mean 'status'?", error);
    }

    [Fact]
    public void AnAggregateFieldNamesTheHashFieldItIsWrittenAs()
    {
        var error = Assert.Single(Errors(With("by: [tenant, status]", "by: [tenantId, status]")));
        Assert.Contains("(aggregate field 'tenantId' is written as hash field 'tenant')", error);
    }

    [Theory]
    [InlineData("by: [tenant, status]", "by: []", "'by' needs at least 1 item")]
    [InlineData("key: \"cc:count:tenant-status\"", "key: \"cc:count:{tenant}\"", "'key' must be a Redis key without spaces or braces")]
    [InlineData("by: [tenant, status]", "by: [tenant, status, tenant]", "duplicate field in 'by' of count 'team-status' 'tenant'")]
    [InlineData("key: \"cc:count:tenant-status\"", "key: \"cc:agent:x\"", "can produce keys under 'cc:agent:x' (count 'team-status')")]
    [InlineData("field: status", "field: state", "time-in-state 'status-time' follows 'state', which is not a field")]
    public void BadCountsAreErrors(string from, string to, string expected)
    {
        var errors = Errors(With(from, to));
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal) && e.StartsWith("t.yaml:", StringComparison.Ordinal));
    }

    [Fact]
    public void ACountNeedsTheStageToWriteRedis()
    {
        var text = With("      - name: merge-agent\n", "      - {name: c, type: count, by: [status], key: \"cc:count:x\"}\n      - name: merge-agent\n");
        Assert.Contains(Errors(text), e => e.Contains("processor 'c' (count) cannot run in stage 'agent-aggregate'", StringComparison.Ordinal));
    }

    [Fact]
    public void DescribeDiagramAndPlanShowTheCount()
    {
        var result = TopologyLoader.Load(Repo.File("topologies/examples/agent-supervisors.yaml"));
        var described = PipelineDescriber.Describe(result.Spec!);
        Assert.Contains("count team-status: agents by [tenant, status] in cc:count:tenant-status", described);
        Assert.Contains("time in state of status", described);
        Assert.Contains("counts by tenant, status · Redis hash cc:count:tenant-status", TopologyDiagram.Mermaid(result.Model!));

        var without = TopologyLoader.Parse(File.ReadAllText(Repo.AgentState), "old.yaml").Model!;
        var added = DeploymentPlanner.Plan(without, result.Model!);
        Assert.Equal(PlanImpact.NeedsReplay, DeploymentPlanner.Verdict(added));
        Assert.Contains(added, i => i.Reason.StartsWith("count 'team-status' added", StringComparison.Ordinal) && i.Fixes.Count == 1);
        var removed = DeploymentPlanner.Plan(result.Model!, without);
        Assert.Equal(PlanImpact.KeepsState, DeploymentPlanner.Verdict(removed));
        Assert.Contains(removed, i => i.Reason.StartsWith("count 'team-status' removed", StringComparison.Ordinal));
        var changed = DeploymentPlanner.Plan(result.Model!, TopologyLoader.Parse(With("by: [tenant, status]", "by: [status]"), "new.yaml").Model!);
        Assert.Contains(changed, i => i.Impact == PlanImpact.NeedsReplay && i.Reason.Contains("delete hash 'cc:count:tenant-status' before deploying", StringComparison.Ordinal));
    }
}
