using ContactCenter.Topology.Files;
using Xunit;

namespace ContactCenter.Tests.Topology.Files;

[Trait("Kind", "Unit")]
public class TopologyLoaderTests
{
    private static LoadResult Parse(string text) => TopologyLoader.Parse(text, "t.yaml");

    private static IEnumerable<string> Errors(LoadResult r) => r.Diagnostics.Where(d => d.Severity == Severity.Error).Select(d => d.ToString());

    private static IEnumerable<string> Warnings(LoadResult r) => r.Diagnostics.Where(d => d.Severity == Severity.Warning).Select(d => d.ToString());

    [Fact]
    public void AgentStateCompilesToTheDemoPipeline()
    {
        var result = TopologyLoader.Load(Repo.AgentState);
        Assert.Empty(result.Diagnostics);
        var spec = result.Spec!;
        Assert.Equal("agent-state", spec.Name);
        var agg = spec.Aggregate;
        Assert.Equal(("agent-aggregate", "cc.agent-aggregate", "agent-aggregate-store", "user-aggregate", 6, "cc.dead-letter"),
            (agg.Name, agg.ApplicationId, agg.StoreName, agg.OutputTopic, agg.OutputPartitions, agg.DeadLetterTopic));
        Assert.Equal(["agent", "user-feature", "voice-agent"], agg.Sources.Select(s => s.Topic));
        Assert.All(agg.Sources, s => Assert.Equal(6, s.Partitions));
        Assert.All(agg.Sources, s => Assert.Equal("cc-op", s.OpHeader));
        Assert.Equal(["agent"], agg.Sources.Where(s => s.Primary).Select(s => s.Name));
        Assert.Equal(["name", "tenantId", "status", "presence"], agg.Sources[0].Fields.Select(f => f.From));
        Assert.Equal(["recording", "skills", "channels"], agg.Sources[1].Fields.Select(f => f.To));
        Assert.Equal(["extension", "callState", "currentCallId"], agg.Sources[2].Fields.Select(f => f.From));
        var state = spec.State;
        Assert.Equal(("agent-state", "cc.agent-state", "user-aggregate", 6, "cc:agent:{key}", "cc.dead-letter"),
            (state.Name, state.GroupId, state.InputTopic, state.InputPartitions, state.KeyPattern, state.DeadLetterTopic));
        Assert.Equal(10, state.Fields.Count);
        Assert.Contains(state.Fields, f => f.From == "tenantId" && f.To == "tenant");
        Assert.Empty(state.Processors);
    }

    [Fact]
    public void ExampleWithProcessorsCompilesThem()
    {
        var result = TopologyLoader.Load(Repo.File("topologies/examples/agent-calls.yaml"));
        Assert.Empty(result.Diagnostics);
        var processors = result.Spec!.State.Processors;
        Assert.Collection(processors,
            p => Assert.Equal(new ContactCenter.Topology.Spec.FilterProcessorSpec("has-tenant", "tenantId", ContactCenter.Topology.Spec.FilterTest.Exists, [], false).Field, ((ContactCenter.Topology.Spec.FilterProcessorSpec)p).Field),
            p => Assert.Equal("tenant", ((ContactCenter.Topology.Spec.MapProcessorSpec)p).Rename.Single().To),
            p => Assert.Equal(TimeSpan.FromHours(1), ((ContactCenter.Topology.Spec.DedupProcessorSpec)p).Ttl));
    }

    [Fact]
    public void ReportsEveryProblemAtOnceWithPositions()
    {
        const string text = """
            version: 1
            name: x
            sources:
              - name: agent
                topic: agent
                key: agentId
                partitons: 6
              - name: voice
                topic: voice
                key: agentId
                partitions: six
            sinks:
              - name: out
                type: kafak
                topic: out
                partitions: 6
            stages: []
            """;
        var errors = Errors(Parse(text)).ToList();
        Assert.Contains("t.yaml:7:5: error: unknown field 'partitons' in source; did you mean 'partitions'?", errors);
        // The misspelt field is reported once: not also as a missing 'partitions'.
        Assert.DoesNotContain(errors, e => e.Contains("missing required field 'partitions'", StringComparison.Ordinal));
        Assert.Contains("t.yaml:11:17: error: 'partitions' must be an integer from 1 to 10000, found 'six'", errors);
        Assert.Contains(errors, e => e.StartsWith("t.yaml:14:11: error: unknown sink type 'kafak'; did you mean 'kafka'?", StringComparison.Ordinal));
        Assert.Contains("t.yaml:17:9: error: 'stages' needs at least 1 item", errors);
    }

    [Theory]
    [InlineData("version: 1\nname: [x\n", "t.yaml:2:7: error: YAML: ")]
    [InlineData("version: 1\nversion: 1\n", "t.yaml:2:1: error: YAML: duplicate key 'version' (first at 1:1)")]
    [InlineData("", "t.yaml:1:1: error: file is empty")]
    [InlineData("- a\n- b\n", "t.yaml:1:1: error: the file must be a topology mapping")]
    [InlineData("a: *nothing\n", "error: YAML: ")]
    public void YamlErrorsAreDiagnostics(string text, string expected)
    {
        var result = Parse(text);
        Assert.Null(result.Spec);
        Assert.Contains(Errors(result), e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void EveryDuplicateKeyIsReported()
    {
        var text = Repo.AgentStateWith("    partitions: 6\n    serde: json", "    partitions: 6\n    partitions: 6\n    serde: json");
        var errors = Errors(Parse(text)).ToList();
        Assert.Equal(3, errors.Count(e => e.Contains("YAML: duplicate key 'partitions'", StringComparison.Ordinal)));
        Assert.Contains(errors, e => e.StartsWith("t.yaml:15:5: error: YAML: duplicate key 'partitions' (first at 14:5)", StringComparison.Ordinal));
    }

    [Fact]
    public void DeepNestingIsRefusedWithoutRecursion()
    {
        var text = "version: 1\nname: " + new string('[', 100_000);
        Assert.Contains(Errors(Parse(text)), e => e.Contains("nested deeper than", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("    partitions: 6\n    serde: json\n    op-header: cc-op\n    description: What each", "    partitions: 4\n    serde: json\n    op-header: cc-op\n    description: What each",
        "has 4 partitions but 'agent' (agent) has 6: topics read together must be co-partitioned")]
    [InlineData("    topic: voice-agent\n    key: agentId", "    topic: voice-agent\n    key: userId", "is keyed by 'userId' but 'agent' by 'agentId'")]
    [InlineData("reads: [user-aggregate]", "reads: [user-aggregate, agent]", "reads source topic 'agent' and derived topic 'user-aggregate'")]
    [InlineData("sinks: [agent-hash]", "sinks: [agent-hash, user-aggregate]", "reads its own output 'user-aggregate'")]
    [InlineData("reads: [user-aggregate]", "reads: [user-agregate]", "neither a source nor a Kafka sink; did you mean 'user-aggregate'?")]
    [InlineData("store: agent-aggregate-store", "store: agent-aggregat-store", "does not declare; did you mean 'agent-aggregate-store'?")]
    [InlineData("group: cc.agent-state", "group: cc.agent-aggregate", "duplicate consumer group 'cc.agent-aggregate'")]
    [InlineData("  - name: agent-state\n", "  - name: agent-aggregate\n", "duplicate stage name 'agent-aggregate'")]
    [InlineData("              callState: callState", "              callState: status", "aggregate field 'status' of part 'voice' collides with the same field of part 'agent'")]
    [InlineData("            part: feature", "            part: agent", "duplicate part name 'agent'")]
    [InlineData("            primary: true\n", "", "needs exactly one part with 'primary: true'")]
    [InlineData("            part: feature\n", "            part: feature\n            primary: true\n", "is a second primary part")]
    [InlineData("        changelog: agent-aggregate-changelog", "        changelog: dead-letter", "must be a Kafka sink written by stage 'agent-aggregate'")]
    [InlineData("    topic: cc.agent-aggregate-agent-aggregate-store-changelog", "    topic: agent-store-log", "must use topic 'cc.agent-aggregate-agent-aggregate-store-changelog'")]
    [InlineData("dead-letter: dead-letter\n\n", "dead-letter: agent-hash\n\n", "must be a Kafka sink, not a redis sink")]
    [InlineData("key-pattern: \"cc:agent:{key}\"", "key-pattern: \"cc:agent\"", "Redis key pattern with one {key} placeholder")]
    [InlineData("  - name: agent-state\n    group: cc.agent-state\n    replicas: 3\n    reads: [user-aggregate]",
        "  - name: agent-state\n    group: cc.agent-state\n    replicas: 3\n    reads: [user-aggregate]\n    processors:\n      - {name: f, type: filter, field: status}",
        "filter 'f' must set exactly one of 'equals', 'in' or 'exists' (it sets 0)")]
    [InlineData("    reads: [agent, user-feature, voice-agent]", "    reads: [agent, user-feature]", "part 'voice' names source 'voice-agent', which stage 'agent-aggregate' does not read")]
    [InlineData("    type: kafka\n    topic: user-aggregate\n    partitions: 6", "    type: kafka\n    topic: user-aggregate\n    partitions: 12", "has 12 partitions but the merged sources have 6")]
    [InlineData("    type: kafka\n    topic: user-aggregate", "    type: kafka\n    topic: agent", "duplicate topic 'agent'")]
    public void SemanticRulesAreErrors(string from, string to, string expected)
    {
        var result = Parse(Repo.AgentStateWith(from, to));
        Assert.Null(result.Spec);
        Assert.Contains(Errors(result), e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void MoreReplicasThanPartitionsIsAWarning()
    {
        var result = Parse(Repo.AgentStateWith("group: cc.agent-state\n    replicas: 3", "group: cc.agent-state\n    replicas: 8"));
        Assert.Empty(Errors(result));
        Assert.NotNull(result.Spec);
        Assert.Contains(Warnings(result), w => w.Contains("runs 8 replicas but its input has 6 partitions: 2 pod(s) will sit idle", StringComparison.Ordinal));
    }

    [Fact]
    public void RedisMappingOfAFieldNobodyProducesIsAWarning()
    {
        var result = Parse(Repo.AgentStateWith("      presence: presence\n      recording", "      presense: presence\n      recording"));
        Assert.Contains(Warnings(result), w => w.Contains("maps 'presense', which stage 'agent-state' never produces; did you mean 'presence'?", StringComparison.Ordinal));
    }

    [Fact]
    public void CycleBetweenStagesIsAnError()
    {
        var text = Repo.AgentStateWith("    reads: [user-aggregate]\n    sinks: [agent-hash]", "    reads: [user-aggregate]\n    sinks: [agent-hash, loop]")
            .Replace("sinks:\n  - name: user-aggregate", "sinks:\n  - {name: loop, type: kafka, topic: loop, partitions: 6}\n  - name: user-aggregate");
        text = text.Replace("\n\n# What every stage accepts", "\n  - {name: back, group: cc.back, reads: [loop], sinks: [user-aggregate], dead-letter: dead-letter}\n\n# What every stage accepts");
        Assert.Contains(Errors(Parse(text)), e => e.Contains("stages form a cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void DiagnosticsAreSortedAndCompilerStyled()
    {
        var result = Parse(Repo.AgentStateWith("partitions: 6\n    serde", "partitons: 6\n    serde"));
        var positions = result.Diagnostics.Select(d => (d.Line, d.Column)).ToList();
        // Sorting and styling mean something only over several diagnostics on different lines.
        Assert.True(positions.Select(p => p.Line).Distinct().Count() >= 2, string.Join("\n", result.Diagnostics));
        Assert.Equal(positions.OrderBy(p => p.Line).ThenBy(p => p.Column), positions);
        Assert.All(result.Diagnostics, d => Assert.Matches(@"^t\.yaml:\d+:\d+: (error|warning): .+", d.ToString()));
    }

    [Fact]
    public void SchemaFileMatchesTheCode()
    {
        var onDisk = File.ReadAllText(Repo.File(TopologySchema.RepositoryPath)).Replace("\r\n", "\n");
        Assert.True(onDisk == TopologySchema.Generate(),
            $"{TopologySchema.RepositoryPath} is out of date: run `contactcenter schema --out {TopologySchema.RepositoryPath}`");
    }

    [Fact]
    public void SchemaListsEveryFieldTheLoaderAccepts()
    {
        using var schema = System.Text.Json.JsonDocument.Parse(TopologySchema.Generate());
        var source = schema.RootElement.GetProperty("properties").GetProperty("sources").GetProperty("items").GetProperty("properties");
        Assert.Equal(TopologyFormat.Source.Fields.Select(f => f.Name), source.EnumerateObject().Select(p => p.Name));
        Assert.False(schema.RootElement.GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void ValidateToolExitCodes()
    {
        var good = CliRunner.Run("validate", Repo.AgentState);
        Assert.Equal(0, good.Code);
        Assert.Contains("1 file checked: 0 errors, 0 warnings", good.Output);
        var path = Path.Combine(Path.GetTempPath(), $"cc-validate-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Repo.AgentStateWith("key: agentId", "kee: agentId"));
        try
        {
            var bad = CliRunner.Run("validate", path, Repo.AgentState);
            Assert.Equal(1, bad.Code);
            Assert.Contains($"{path}:13:5: error: unknown field 'kee' in source; did you mean 'key'?", bad.Output);
        }
        finally
        {
            File.Delete(path);
        }
        var missing = CliRunner.Run("validate", "/nonexistent/x.yaml");
        Assert.Equal(1, missing.Code);
        Assert.Contains("/nonexistent/x.yaml:1:1: error: cannot read file", missing.Output);
    }
}

[Trait("Kind", "Unit")]
public class TopologyDocsTests
{
    [Fact]
    public void DocsDescribeEveryField()
    {
        var docs = File.ReadAllText(Repo.File("docs/topologies.md"));
        var shapes = new[]
        {
            TopologyFormat.Root, TopologyFormat.Source, TopologyFormat.KafkaSink, TopologyFormat.RedisSink, TopologyFormat.QueueSink,
            TopologyFormat.Store, TopologyFormat.Part, TopologyFormat.Merge, TopologyFormat.Filter, TopologyFormat.Map, TopologyFormat.Dedup,
            TopologyFormat.Stage, TopologyFormat.Limits, WindowFormat.Window, WindowFormat.Where, FixtureFormat.Input, FixtureFormat.Expected, FixtureFormat.Root,
        };
        var missing = shapes.SelectMany(s => s.Fields.Select(f => (s.Title, f.Name)))
            .Where(f => !docs.Contains($"`{f.Name}`", StringComparison.Ordinal) && !docs.Contains($"[].{f.Name}`", StringComparison.Ordinal))
            .ToList();
        Assert.True(missing.Count == 0, "docs/topologies.md lacks: " + string.Join(", ", missing));
    }
}
