using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Tests.Topology.Files;

/// <summary><c>windows:</c> entries: compiled, validated with positions, planned.</summary>
[Trait("Kind", "Unit")]
public class WindowTopologyTests
{
    private static LoadResult Parse(string text) => TopologyLoader.Parse(text, "t.yaml");

    private static int LineOf(string text, string needle) => text[..text.IndexOf(needle, StringComparison.Ordinal)].Count(c => c == '\n') + 1;

    [Fact]
    public void TheDemoPipelineCompilesItsCallsStartedWindow()
    {
        var result = TopologyLoader.Load(Repo.AgentState);
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        var window = Assert.Single(result.Spec!.Windows);
        Assert.Equal("calls-started", window.Name);
        Assert.Equal("cc.calls-started", window.GroupId);
        Assert.Equal("user-aggregate", window.InputTopic);
        Assert.Equal(6, window.InputPartitions);
        Assert.Equal(WindowInputFormat.Aggregate, window.InputFormat);
        Assert.Equal("callState", window.WhereField);
        Assert.Equal(["ringing"], window.WhereValues);
        Assert.Equal("currentCallId", window.OncePerField);
        Assert.Equal(["tenantId"], window.GroupBy);
        Assert.Equal(TimeSpan.FromMinutes(15), window.Size);
        Assert.Equal(TimeSpan.FromMinutes(15), window.Advance);
        Assert.True(window.Tumbling);
        Assert.Equal(TimeSpan.FromMinutes(1), window.Grace);
        Assert.Equal(TimeSpan.FromHours(2), window.Retention);
        Assert.Equal("cc.calls-started-calls-started-store-changelog", window.ChangelogTopic);
        Assert.Equal("cc:window:calls-started:{tenantId}", window.KeyPattern);
        Assert.Equal("cc.dead-letter", window.DeadLetterTopic);
    }

    [Fact]
    public void AWindowOverASourceReadsItsEventsWithTheSourcesTimestampField()
    {
        var text = Repo.AgentStateText
            .Replace("    from: user-aggregate\n", "    from: voice-agent\n", StringComparison.Ordinal)
            .Replace("group-by: [tenantId]", "group-by: [extension]", StringComparison.Ordinal)
            .Replace("calls-started:{tenantId}", "calls-started:{extension}", StringComparison.Ordinal)
            .Replace("    size: 15m\n", "    size: 15m\n    advance: 5m\n", StringComparison.Ordinal);
        var result = Parse(text);
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics));
        var window = Assert.Single(result.Spec!.Windows);
        Assert.Equal(WindowInputFormat.SourceEvent, window.InputFormat);
        Assert.Equal("voice-agent", window.InputTopic);
        Assert.Equal("ts", window.TimestampField);
        Assert.False(window.Tumbling);
        Assert.Equal(TimeSpan.FromMinutes(5), window.Advance);
    }

    [Theory]
    [InlineData("    from: user-aggregate\n", "    from: user-agregate\n", "from: user-agregate", 11, "window 'calls-started' reads unknown stream 'user-agregate'; did you mean 'user-aggregate'?")]
    [InlineData("    size: 15m\n", "    size: 15m\n    advance: 4m\n", "advance: 4m", 14, "window 'calls-started': size 15m is not a multiple of advance 4m")]
    [InlineData("    size: 15m\n", "    size: 15m\n    advance: 20m\n", "advance: 20m", 14, "window 'calls-started': advance 20m is greater than size 15m")]
    [InlineData("    grace: 1m\n", "    grace: -1m\n", "grace: -1m", 12, "'grace' must be a duration such as 500ms, 90s, 10m, 1h30m or 7d (zero or more), found '-1m'")]
    [InlineData("    retention: 2h\n", "    retention: 10m\n", "retention: 10m", 16, "window 'calls-started': retention 10m is shorter than size + grace (16m)")]
    [InlineData("group-by: [tenantId]", "group-by: [tenant]", "group-by: [tenant]", 16, "window 'calls-started' groups by 'tenant', which 'user-aggregate' does not carry; did you mean 'tenantId'?")]
    [InlineData("once-per: currentCallId", "once-per: callId", "once-per: callId", 15, "window 'calls-started' counts once per 'callId', which 'user-aggregate' does not carry")]
    [InlineData("calls-started:{tenantId}\"", "calls-started\"", "key-pattern: \"cc:window:calls-started\"", 18, "'key-pattern' must be a Redis key pattern with one {field} placeholder per group-by field")]
    [InlineData("calls-started:{tenantId}\"", "calls-started:{tenantId}:{status}\"", "key-pattern: \"cc:window:calls-started:{tenantId}:{status}\"", 18, "names {status}, which is not a group-by field (tenantId)")]
    [InlineData("\"cc:window:calls-started:{tenantId}\"", "\"cc:offsets:{tenantId}\"", "key-pattern: \"cc:offsets:{tenantId}\"", 18, "can produce keys under 'cc:offsets:' (the stages' offsets)")]
    [InlineData("    changelog: calls-started-changelog\n", "    changelog: user-aggregate\n", "changelog: user-aggregate", 16, "must be written by the window alone")]
    [InlineData("    dead-letter: dead-letter\n    description: Calls", "    dead-letter: agent-hash\n    description: Calls", "dead-letter: agent-hash", 18, "dead-letter 'agent-hash' of window 'calls-started' must be a Kafka sink, not a redis sink")]
    [InlineData("group: cc.calls-started", "group: cc.agent-state", "group: cc.agent-state\n    replicas: 3\n    from", 12, "duplicate consumer group 'cc.agent-state'")]
    public void MistakesAreReportedWhereTheyAre(string from, string to, string at, int column, string message)
    {
        var text = Repo.AgentStateText.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(Repo.AgentStateText, text);
        var result = Parse(text);
        var line = LineOf(text, at);
        Assert.True(result.HasErrors);
        Assert.Contains(result.Diagnostics, d => d.ToString().StartsWith($"t.yaml:{line}:{column}: error: ", StringComparison.Ordinal) && d.ToString().Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void ChangingTheWindowShapeNeedsARecountAndSaysWhatItCosts()
    {
        var old = Parse(Repo.AgentStateText).Model!;
        var @new = Parse(Repo.AgentStateText.Replace("    size: 15m\n", "    size: 30m\n", StringComparison.Ordinal)).Model!;
        var items = DeploymentPlanner.Plan(old, @new);
        var item = Assert.Single(items);
        Assert.Equal(PlanImpact.NeedsReplay, item.Impact);
        Assert.Equal("window calls-started", item.Subject);
        Assert.Contains("tumbling 15m -> tumbling 30m", item.Reason);
        Assert.Contains("cannot be turned into the new windows", item.Reason);
        Assert.Contains("one full read of the input", item.Reason);
        var fix = Assert.Single(item.Fixes);
        Assert.Equal(PlanFixKind.RebuildStore, fix.Kind);
        Assert.Equal("calls-started", fix.Stage);
    }

    [Fact]
    public void GraceAndTtlChangesKeepState()
    {
        var old = Parse(Repo.AgentStateText).Model!;
        var @new = Parse(Repo.AgentStateText.Replace("    grace: 1m\n", "    grace: 3m\n", StringComparison.Ordinal).Replace("    ttl: 2h\n", "    ttl: 3h\n", StringComparison.Ordinal)).Model!;
        var items = DeploymentPlanner.Plan(old, @new);
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal(PlanImpact.KeepsState, i.Impact));
    }
}
