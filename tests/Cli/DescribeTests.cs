using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Streams;
using ContactCenter.Stores;
using ContactCenter.Topology.Files;
using Xunit;
using ContactCenter.Cli;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// <c>describe</c> prints what runs: the aggregate stage as Streamiz describes the topology the host builds, the
/// consumer stages from the spec their hosts run.
/// </summary>
[Trait("Kind", "Unit")]
public class DescribeTests
{
    public static TheoryData<string> ShippedTopologies()
    {
        var files = new TheoryData<string> { "topologies/agent-state.yaml" };
        foreach (var path in Directory.GetFiles(Repo.File("topologies/examples"), "*.yaml").Order(StringComparer.Ordinal))
            files.Add(Path.GetRelativePath(Repo.Root, path).Replace('\\', '/'));
        return files;
    }

    private static string Describe(string path)
    {
        var output = new StringWriter();
        var code = DescribeCommand.Run(path, output);
        Assert.True(code == 0, output.ToString());
        return output.ToString();
    }

    /// <summary>The output split into stages: header lines ('#') and the description under them.</summary>
    private static List<(List<string> Header, string Body)> Stages(string output)
    {
        var stages = new List<(List<string> Header, string Body)>();
        foreach (var line in output.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.StartsWith(PipelineDescriber.StagePrefix, StringComparison.Ordinal))
                stages.Add((new List<string> { line }, string.Empty));
            else if (stages.Count == 0)
                Assert.Fail($"text before the first stage header: '{line}'");
            else if (line.StartsWith('#') && stages[^1].Body.Length == 0)
                stages[^1].Header.Add(line);
            else
                stages[^1] = (stages[^1].Header, stages[^1].Body + line + "\n");
        }
        // Stages are separated by one blank line; the output ends with a newline.
        return stages.Select(s => (s.Header, s.Body.TrimEnd('\n') + "\n")).ToList();
    }

    [Theory]
    [MemberData(nameof(ShippedTopologies))]
    public void AggregateStageIsWhatStreamizDescribes(string file)
    {
        var spec = TopologyLoader.Load(Repo.File(file)).Spec!;
        var stages = Stages(Describe(Repo.File(file)));

        var aggregate = stages.Single(s => s.Header[0].StartsWith($"# stage {spec.Aggregate.Name}:", StringComparison.Ordinal));
        Assert.Contains($"application.id (consumer group) {spec.Aggregate.ApplicationId}", aggregate.Header[0]);
        var topology = AggregateTopologyBuilder.Build(spec.Aggregate, AggregateStores.Create(StoreKind.Memory, spec.Aggregate.StoreName),
            NoDeadLetters.Instance, new StageCounters(), partitions: null);
        var streamiz = topology.Describe().ToString()!.Replace("\r\n", "\n").TrimEnd('\n') + "\n";
        Assert.Equal(streamiz, aggregate.Body);
    }

    [Fact]
    public void AggregateStageOfTheDemoPipelineNamesItsTopicsAndStore()
    {
        // Independent of Streamiz's text: what the demo's file says must be visible in the description.
        var stages = Stages(Describe(Repo.AgentState));
        Assert.Equal(["# stage agent-aggregate", "# stage agent-state", "# stage calls-started"], stages.Select(s => s.Header[0].Split(':')[0]));
        var (header, body) = stages[0];
        Assert.Equal(
            "#   store agent-aggregate-store (changelog cc.agent-aggregate-agent-aggregate-store-changelog); " +
            "rejected records go to cc.dead-letter through the dead-letter producer",
            header[1]);
        Assert.StartsWith("Topologies:\n   Sub-topology: 0\n", body);
        foreach (var topic in new[] { "agent", "user-feature", "voice-agent" })
            Assert.Contains($"(topics: [{topic}])", body);
        Assert.Contains("(stores: [agent-aggregate-store])", body);
        Assert.Contains("(topic: user-aggregate)", body);
        Assert.DoesNotContain("Topologies:", body[1..]);
    }

    [Fact]
    public void StateStageOfTheDemoPipeline()
    {
        var state = Stages(Describe(Repo.AgentState))[1];
        Assert.Equal(["# stage agent-state: plain consumer, consumer group cc.agent-state"], state.Header);
        Assert.Equal("""
            Topologies:
               Sub-topology: 0
                Source: agent-state-source (topics: [user-aggregate], group: cc.agent-state)
                  --> check-and-decode
                Processor: check-and-decode (key, size and aggregate checks)
                  --> redis-hash, dead-letter
                  <-- agent-state-source
                Sink: redis-hash (fenced redis hash: cc:agent:{key}, fields: name, tenantId -> tenant, status, presence, recording, skills, channels, extension, callState -> call_state, currentCallId -> call_id, progress: cc:offsets:agent-state:{partition})
                  <-- check-and-decode
                Sink: dead-letter (topic: cc.dead-letter)
                  <-- check-and-decode, redis-hash

            """.Replace("\r\n", "\n"), state.Body);
    }

    [Fact]
    public void StateStageListsItsProcessorsInOrder()
    {
        var state = Stages(Describe(Repo.File("topologies/examples/agent-calls.yaml")))[1];
        Assert.Equal(["# stage call-state: plain consumer, consumer group cc.call-state"], state.Header);
        Assert.Equal("""
            Topologies:
               Sub-topology: 0
                Source: call-state-source (topics: [call-aggregate], group: cc.call-state)
                  --> check-and-decode
                Processor: check-and-decode (key, size and aggregate checks)
                  --> has-tenant, dead-letter
                  <-- call-state-source
                Processor: has-tenant (filter: keep tenantId exists)
                  --> shape, dead-letter
                  <-- check-and-decode
                Processor: shape (map: rename tenantId -> tenant; set origin = call-state)
                  --> once-per-call, dead-letter
                  <-- has-tenant
                Processor: once-per-call (dedup: first claim of cc:dedup:call-state:{callId} for 01:00:00)
                  --> redis-hash, dead-letter
                  <-- shape
                Sink: redis-hash (fenced redis hash: cc:call-agent:{key}, fields: every field, progress: cc:offsets:call-state:{partition})
                  <-- once-per-call
                Sink: dead-letter (topic: cc.dead-letter)
                  <-- check-and-decode, has-tenant, shape, once-per-call, redis-hash

            """.Replace("\r\n", "\n"), state.Body);
    }

    [Fact]
    public void QueueStagesAreDescribedFromTheirSpec()
    {
        var text = Repo.AgentStateText
            .Replace("sinks:\n  - name: user-aggregate\n", "sinks:\n  - {name: wrapup-queue, type: queue, queue: \"cc:queue:wrapup\"}\n  - name: user-aggregate\n")
            // The new stage goes after the last stage, before the file's closing `limits` block.
            .Replace("\n\n# What every stage accepts", "\n  - name: wrapup\n    group: cc.wrapup\n    reads: [user-aggregate]\n    processors:\n"
                + "      - {name: in-wrapup, type: filter, field: callState, equals: WRAPUP}\n"
                + "    sinks: [wrapup-queue]\n    dead-letter: dead-letter\n\n# What every stage accepts");
        var path = Path.Combine(Path.GetTempPath(), $"cc-describe-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, text);
        try
        {
            var load = TopologyLoader.Load(path);
            Assert.False(load.HasErrors, string.Join("\n", load.Diagnostics));
            var stages = Stages(Describe(path));
            // Queue stages come after the state stage, window stages last.
            Assert.Equal(3 + load.Spec!.Windows.Count, stages.Count);
            var queue = stages[2];
            Assert.Equal(
                [
                    "# stage wrapup: plain consumer, consumer group cc.wrapup",
                    "#   compiled from the file; this runtime has no host for queue stages yet",
                ],
                queue.Header);
            Assert.Equal("""
                Topologies:
                   Sub-topology: 0
                    Source: wrapup-source (topics: [user-aggregate], group: cc.wrapup)
                      --> in-wrapup
                    Processor: in-wrapup (filter: keep callState == WRAPUP)
                      --> redis-queue, dead-letter
                      <-- wrapup-source
                    Sink: redis-queue (redis queue: cc:queue:wrapup)
                      <-- in-wrapup
                    Sink: dead-letter (topic: cc.dead-letter)
                      <-- in-wrapup

                """.Replace("\r\n", "\n"), queue.Body);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheDocsShowTheRealOutput()
    {
        var docs = File.ReadAllText(Repo.File("docs/topologies.md")).Replace("\r\n", "\n");
        var section = docs[docs.IndexOf("## `describe`", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var demo = Describe(Repo.AgentState).Replace("\r\n", "\n");
        Assert.Contains("```\n" + demo + "```\n", section);
        var calls = Describe(Repo.File("topologies/examples/agent-calls.yaml")).Replace("\r\n", "\n");
        Assert.Contains("```\n" + calls[calls.IndexOf("# stage call-state", StringComparison.Ordinal)..] + "```\n", section);
    }

    [Fact]
    public void DescribeOfAnInvalidFilePrintsErrorsAndFails()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cc-describe-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "version: 2\n");
        try
        {
            var output = new StringWriter();
            Assert.Equal(1, DescribeCommand.Run(path, output));
            Assert.Contains($"{path}:1:10: error: 'version' must be the integer 1, found '2'", output.ToString());
            Assert.DoesNotContain("Topologies:", output.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
