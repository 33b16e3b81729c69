using System.Text.RegularExpressions;
using ContactCenter.Topology.Files;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>
/// Every row of the docs' <c>plan</c> table is what <c>plan</c> says, for every spelling of the change: the same loss
/// of offsets or state gets the same verdict whether an entry is renamed alone or together with its name.
/// </summary>
[Trait("Kind", "Unit")]
public class PlanDocsTableTests
{
    /// <summary>A change: the base file, then replacements applied to it (or, with <paramref name="After"/>, another file).</summary>
    internal sealed record Edit(string Label, Func<string> Base, (string From, string To)[] Replacements, Func<string>? After = null);

    private static string AgentState() => Repo.AgentStateText;

    private static string AgentCalls() => File.ReadAllText(Repo.File("topologies/examples/agent-calls.yaml"));

    // agent-state plus a third stage that reads the aggregates and writes a durable queue.
    // The new stage goes after the last stage, before the file's closing `limits` block.
    private static string Supervisors() => File.ReadAllText(Repo.File("topologies/examples/agent-supervisors.yaml")).Replace("\r\n", "\n");

    internal static string WithQueue() => Apply(AgentState(),
        ("\nstages:\n", "  - name: notify\n    type: queue\n    queue: cc:queue:notify\n\nstages:\n"),
        ("\n\n# What every stage accepts", "\n  - name: notifier\n    group: cc.notifier\n    reads: [user-aggregate]\n    sinks: [notify]\n    dead-letter: dead-letter\n\n# What every stage accepts"));

    // agent-state without its window (and the window's changelog sink).
    private static string WithoutWindow()
    {
        var text = AgentState();
        text = text[..text.IndexOf("\n# Time windows", StringComparison.Ordinal)] + "\n";
        return Apply(text, ("  - name: calls-started-changelog\n    type: kafka\n    topic: cc.calls-started-calls-started-store-changelog\n    partitions: 6\n    description: Changelog of the calls-started window store (compacted); the store is restored from it.\n", ""));
    }

    private static string WithQueueWithoutFieldMapping() =>
        Regex.Replace(WithQueue(), @"^    fields:\n(      \S[^\n]*\n)+", string.Empty, RegexOptions.Multiline);

    private const string ExtraSource = "  - name: extra\n    topic: extra\n    key: agentId\n    partitions: 6\n\nsinks:\n";

    internal static string Apply(string text, params (string From, string To)[] replacements)
    {
        foreach (var (from, to) in replacements)
        {
            Assert.True(text.Contains(from, StringComparison.Ordinal), $"edit does not apply: {from}");
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        return text;
    }

    /// <summary>Edits per docs row (keyed by the row's "change" cell).</summary>
    internal static readonly Dictionary<string, Edit[]> Edits = new()
    {
        ["replicas, descriptions, dead-letter topic, op header, dedup settings, added sources/sinks, merge stage renamed (same group)"] =
        [
            new("merge stage", AgentState, [("  - name: agent-aggregate\n", "  - name: agent-merge\n")]),
            new("replicas", AgentState, [("group: cc.agent-state\n    replicas: 3", "group: cc.agent-state\n    replicas: 6")]),
            new("description", AgentState, [("description: What each agent may do.", "description: Features.")]),
            new("dead-letter topic", AgentState, [("topic: cc.dead-letter\n", "topic: cc.dead-letter-v2\n")]),
            new("op header", AgentState, [("op-header: cc-op", "op-header: cc-operation")]),
            new("dedup ttl", AgentCalls, [("ttl: 1h", "ttl: 2h")]),
            new("added source", AgentState, [("\nsinks:\n", "\n" + ExtraSource)]),
            new("added sink", AgentState, [("\nstages:\n", "  - name: spare\n    type: kafka\n    topic: spare\n    partitions: 6\n\nstages:\n")]),
        ],
        ["state or queue stage renamed (same group)"] =
        [
            new("state stage", AgentState, [("  - name: agent-state\n", "  - name: agent-state-v2\n")]),
            new("queue stage", WithQueue, [("  - name: notifier\n", "  - name: notify-worker\n")]),
        ],
        ["source or sink renamed (same topic, key pattern or queue)"] =
        [
            new("source", AgentState, [("  - name: user-feature\n", "  - name: features\n"), ("reads: [agent, user-feature, voice-agent]", "reads: [agent, features, voice-agent]"), ("source: user-feature", "source: features")]),
            new("redis sink", AgentState, [("  - name: agent-hash\n", "  - name: agent-redis\n"), ("sinks: [agent-hash]", "sinks: [agent-redis]")]),
            new("derived topic sink", AgentState, [("  - name: user-aggregate\n", "  - name: aggregates\n"), ("sinks: [user-aggregate, ", "sinks: [aggregates, "), ("reads: [user-aggregate]", "reads: [aggregates]"), ("from: user-aggregate", "from: aggregates")]),
            new("queue sink", WithQueue, [("  - name: notify\n", "  - name: notifications\n"), ("sinks: [notify]", "sinks: [notifications]")]),
        ],
        ["store renamed (with or without its changelog sink)"] =
        [
            new("store", AgentState, [("agent-aggregate-store", "agent-aggregate-store-v2")]),
            new("store and changelog sink", AgentState, [("agent-aggregate-changelog", "store-log"), ("agent-aggregate-store", "agent-aggregate-store-v2")]),
        ],
        ["changelog / derived topic renamed, source topic renamed (with or without the entry's name)"] =
        [
            new("derived topic", AgentState, [("    topic: user-aggregate\n", "    topic: user-aggregate-v2\n")]),
            new("derived topic and its sink", AgentState, [("    topic: user-aggregate\n", "    topic: user-aggregate-v2\n"), ("  - name: user-aggregate\n", "  - name: aggregates\n"), ("sinks: [user-aggregate, ", "sinks: [aggregates, "), ("reads: [user-aggregate]", "reads: [aggregates]"), ("from: user-aggregate", "from: aggregates")]),
            new("changelog topic (through the store name)", AgentState, [("agent-aggregate-store", "store-v2")]),
            new("source topic", AgentState, [("    topic: voice-agent\n", "    topic: voice-agent-v2\n")]),
            new("source topic and its name", AgentState, [("    topic: voice-agent\n", "    topic: voice-agent-v2\n"), ("  - name: voice-agent\n", "  - name: voice\n"), ("reads: [agent, user-feature, voice-agent]", "reads: [agent, user-feature, voice]"), ("source: voice-agent", "source: voice")]),
        ],
        ["merge part renamed, primary moved, part field mapping changed, part added"] =
        [
            new("part renamed", AgentState, [("part: feature", "part: features")]),
            new("primary moved", AgentState, [("            part: agent\n            primary: true\n", "            part: agent\n"), ("            part: voice\n", "            part: voice\n            primary: true\n")]),
            new("part field mapping", AgentState, [("              presence: presence", "              presence: availability")]),
            new("part added", AgentState, [("\nsinks:\n", "\n" + ExtraSource), ("reads: [agent, user-feature, voice-agent]", "reads: [agent, user-feature, voice-agent, extra]"),
                ("              currentCallId: currentCallId\n", "              currentCallId: currentCallId\n          - source: extra\n            part: extra\n            fields:\n              extraField: extraField\n")]),
        ],
        ["Redis key pattern or field mapping changed, state-stage processors changed"] =
        [
            new("key pattern", AgentState, [("key-pattern: \"cc:agent:{key}\"", "key-pattern: \"cc:agent:v2:{key}\"")]),
            new("key pattern and sink name", AgentState, [("key-pattern: \"cc:agent:{key}\"", "key-pattern: \"cc:agent:v2:{key}\""), ("  - name: agent-hash\n", "  - name: agent-redis\n"), ("sinks: [agent-hash]", "sinks: [agent-redis]")]),
            new("field mapping", AgentState, [("      callState: call_state", "      callState: callState")]),
            new("filter", AgentCalls, [("exists: true", "exists: false")]),
        ],
        ["a stage reads more or fewer topics, a new stage"] =
        [
            new("reads more", AgentState, [("\nsinks:\n", "\n" + ExtraSource), ("reads: [agent, user-feature, voice-agent]", "reads: [agent, user-feature, voice-agent, extra]"),
                ("              currentCallId: currentCallId\n", "              currentCallId: currentCallId\n          - source: extra\n            part: extra\n            fields:\n              extraField: extraField\n")]),
            new("new stage", AgentState, [], WithQueue),
        ],
        ["consumer group renamed (with or without its stage)"] =
        [
            new("state group", AgentState, [("group: cc.agent-state", "group: cc.agent-state-2")]),
            new("state group and stage", AgentState, [("group: cc.agent-state", "group: cc.agent-state-2"), ("  - name: agent-state\n", "  - name: agent-state-2\n")]),
            new("merge group", AgentState, [("cc.agent-aggregate", "cc.agent-aggregate-v2")]),
            new("merge group and stage", AgentState, [("cc.agent-aggregate", "cc.agent-aggregate-v2"), ("  - name: agent-aggregate\n", "  - name: agent-merge\n")]),
            new("queue group and stage", WithQueue, [("group: cc.notifier", "group: cc.notifier-2"), ("  - name: notifier\n", "  - name: notify-worker\n")]),
        ],
        ["partition count of a source or derived topic, record key"] =
        [
            new("partitions", AgentState, [("partitions: 6", "partitions: 12")]),
            new("partitions and a source name", AgentState, [("partitions: 6", "partitions: 12"), ("  - name: voice-agent\n", "  - name: voice\n"), ("reads: [agent, user-feature, voice-agent]", "reads: [agent, user-feature, voice]"), ("source: voice-agent", "source: voice")]),
            new("record key", AgentState, [("key: agentId", "key: userId")]),
        ],
        ["count added, count's fields or key changed"] =
        [
            new("count added", AgentState, [("    reads: [user-aggregate]\n    sinks: [agent-hash]", "    reads: [user-aggregate]\n    processors:\n      - {name: c, type: count, by: [tenant, status], key: \"cc:count:c\"}\n    sinks: [agent-hash]")]),
            new("count's fields", Supervisors, [("by: [tenant, status]", "by: [status]")]),
            new("count's key", Supervisors, [("key: \"cc:count:tenant-status\"", "key: \"cc:count:team\"")]),
        ],
        ["count removed, time in state added or removed"] =
        [
            new("count removed", Supervisors, [("      - name: team-status\n        type: count\n        by: [tenant, status]\n        key: \"cc:count:tenant-status\"\n        description: Agents per tenant and status, for the team panel supervisors read.\n", "")]),
            new("time in state removed", Supervisors, [("      - name: status-time\n        type: time-in-state\n        field: status\n        description: Since when each agent holds its status, and today's time per status.\n", "")]),
            new("time in state added", AgentState, [("    reads: [user-aggregate]\n    sinks: [agent-hash]", "    reads: [user-aggregate]\n    processors:\n      - {name: t, type: time-in-state, field: status}\n    sinks: [agent-hash]")]),
        ],
        ["window added, removed, grace, retention, ttl or replicas changed, window renamed (same group)"] =
        [
            new("window removed", AgentState, [], WithoutWindow),
            new("window added", WithoutWindow, [], AgentState),
            new("grace", AgentState, [("    grace: 1m\n", "    grace: 5m\n")]),
            new("retention", AgentState, [("    retention: 2h\n", "    retention: 4h\n")]),
            new("ttl", AgentState, [("    ttl: 2h\n", "    ttl: 1d\n")]),
            new("window replicas", AgentState, [("group: cc.calls-started\n    replicas: 3", "group: cc.calls-started\n    replicas: 6")]),
            new("window renamed", AgentState, [("  - name: calls-started\n", "  - name: calls-begun\n")]),
        ],
        ["window size or advance changed, its `where`, `once-per`, `group-by` or input changed, its key pattern changed"] =
        [
            new("size", AgentState, [("    size: 15m\n", "    size: 30m\n")]),
            new("hopping", AgentState, [("    size: 15m\n", "    size: 15m\n    advance: 5m\n")]),
            new("where", AgentState, [("equals: ringing}", "equals: talking}")]),
            new("once-per dropped", AgentState, [("    once-per: currentCallId\n", "")]),
            new("group-by", AgentState, [("group-by: [tenantId]", "group-by: [tenantId, extension]"), ("calls-started:{tenantId}", "calls-started:{tenantId}:{extension}")]),
            new("window key pattern", AgentState, [("calls-started:{tenantId}", "calls-started:v2:{tenantId}")]),
        ],
        ["window group or store renamed"] =
        [
            new("window group", AgentState, [("group: cc.calls-started", "group: cc.calls-started-2"), ("topic: cc.calls-started-calls-started-store-changelog", "topic: cc.calls-started-2-calls-started-store-changelog")]),
            new("window store", AgentState, [("store: calls-started-store", "store: calls-store"), ("topic: cc.calls-started-calls-started-store-changelog", "topic: cc.calls-started-calls-store-changelog")]),
        ],
        ["queue key renamed, sink type changed"] =
        [
            new("queue key", WithQueue, [("queue: cc:queue:notify", "queue: cc:queue:notify-2")]),
            new("queue key and sink name", WithQueue, [("queue: cc:queue:notify", "queue: cc:queue:notify-2"), ("  - name: notify\n", "  - name: notifications\n"), ("sinks: [notify]", "sinks: [notifications]")]),
            new("sink types swapped", WithQueueWithoutFieldMapping, [("    type: queue\n    queue: cc:queue:notify\n", "    type: redis\n    key-pattern: \"cc:notify:{key}\"\n"),
                ("    type: redis\n    key-pattern: \"cc:agent:{key}\"\n", "    type: queue\n    queue: cc:queue:agent\n")]),
        ],
    };

    /// <summary>The rows of the table under "## `plan OLD NEW`" in docs/topologies.md: change and exit code.</summary>
    private static List<(string Change, int Code)> DocsRows()
    {
        var docs = File.ReadAllText(Repo.File("docs/topologies.md")).Replace("\r\n", "\n");
        var section = docs[docs.IndexOf("## `plan OLD NEW`", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        return Regex.Matches(section, @"^\| (?<change>[^|]+?) \| [a-z ]+ \((?<code>\d)\) \|", RegexOptions.Multiline)
            .Select(m => (m.Groups["change"].Value, int.Parse(m.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    public static TheoryData<string> Rows()
    {
        var data = new TheoryData<string>();
        foreach (var (change, _) in DocsRows()) data.Add(change);
        return data;
    }

    [Fact]
    public void TheTableIsParsedAndEveryRowHasEdits()
    {
        var rows = DocsRows();
        Assert.True(rows.Count >= 10, $"parsed {rows.Count} rows");
        Assert.Equal(rows.Select(r => r.Change).Order(), Edits.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void PlanSaysWhatTheDocsRowSays(string change)
    {
        var expected = DocsRows().Single(r => r.Change == change).Code;
        Assert.True(Edits.TryGetValue(change, out var edits), $"no edits for docs row '{change}'");
        var failures = new List<string>();
        foreach (var edit in edits)
        {
            var before = edit.Base();
            var after = edit.After?.Invoke() ?? Apply(before, edit.Replacements);
            var old = Load(before);
            var @new = Load(after);
            var items = DeploymentPlanner.Plan(old, @new);
            var verdict = DeploymentPlanner.ExitCode(DeploymentPlanner.Verdict(items));
            if (verdict != expected)
                failures.Add($"{edit.Label}: exit {verdict}, docs say {expected}\n    " + string.Join("\n    ", items.Select(i => $"{i.Impact} {i.Subject}: {i.Reason}")));
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static TopologyModel Load(string text)
    {
        var result = TopologyLoader.Parse(text, "t.yaml");
        Assert.False(result.HasErrors, string.Join("\n", result.Diagnostics.Where(d => d.Severity == Severity.Error)) + "\n" + text);
        return result.Model!;
    }
}
