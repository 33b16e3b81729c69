using System.Text;
using Xunit;
using ContactCenter.Sandbox.Fixtures;

namespace ContactCenter.Tests.Sandbox.Fixtures;

[Trait("Kind", "Integration")] // the fixture runner starts an embedded Garnet
public class FixtureRunnerTests
{
    public static TheoryData<string> ShippedFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Repo.File("topologies/fixtures"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Repo.Root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedFixtures))]
    public async Task ShippedFixturePasses(string fixture)
    {
        var result = await FixtureRunner.RunFileAsync(Repo.File(fixture));
        Assert.True(result.Passed, string.Join("\n", result.Diagnostics.Select(d => d.ToString()).Concat(result.Differences)));
    }

    [Fact]
    public void AtLeastTheAgentFixturesShip() => Assert.True(ShippedFixtures().Count >= 5);

    [Fact]
    public async Task AChangedExpectationFailsWithADiff()
    {
        var path = Repo.File("topologies/fixtures/agent-out-of-order.yaml");
        var text = File.ReadAllText(path);
        Assert.Contains("      presence: BREAK\n", text);
        var result = await FixtureRunner.RunTextAsync(text.Replace("      presence: BREAK\n", "      presence: AVAILABLE\n"), path);
        Assert.False(result.Passed);
        Assert.Contains(result.Differences, d => d.StartsWith("redis cc:agent:a-1 (expected at ", StringComparison.Ordinal));
        Assert.Contains("  - presence: AVAILABLE", result.Differences);
        Assert.Contains("  + presence: BREAK", result.Differences);

        string output;
        var file = Path.Combine(Path.GetDirectoryName(path)!, $"tmp-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, text.Replace("{key: a-1, value: {parts: {agent: {v: 5", "{key: a-1, value: {parts: {agent: {v: 4"));
        try
        {
            var (code, text2) = CliRunner.Run("test", file);
            Assert.Equal(1, code);
            output = text2;
        }
        finally
        {
            File.Delete(file);
        }
        Assert.Contains("FAIL ", output);
        Assert.Contains("- value.parts.agent.v: 4", output);
        Assert.Contains("+ value.parts.agent.v: 5", output);
    }

    [Fact]
    public async Task MissingAndExtraRecordsAreReported()
    {
        var path = Repo.File("topologies/fixtures/agent-deleted.yaml");
        var text = File.ReadAllText(path).Replace("      - {key: a-1, value: null}\n", "");
        var result = await FixtureRunner.RunTextAsync(text, path);
        Assert.False(result.Passed);
        Assert.Contains(result.Differences, d => d.Contains("not expected (the fixture lists 5)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvalidFixturesAreDiagnosticsNotCrashes()
    {
        var path = Repo.File("topologies/fixtures/x.yaml");
        var bad = await FixtureRunner.RunTextAsync("topology: ../agent-state.yaml\ninput:\n  - {topic: agnet, key: a}\nexpect: {}\n", path);
        Assert.False(bad.Passed);
        Assert.Contains(bad.Diagnostics, d => d.ToString().Contains("3:13: error: topic 'agnet' is not in the topology; did you mean 'agent'?", StringComparison.Ordinal));
        var missing = await FixtureRunner.RunTextAsync("topology: ../nope.yaml\ninput: [{topic: agent}]\nexpect: {}\n", path);
        Assert.Contains(missing.Diagnostics, d => d.ToString().Contains("topology '../nope.yaml' does not load", StringComparison.Ordinal));
    }

    [Theory]
    // Vectors of Kafka's own partitioner tests (org.apache.kafka.common.utils.UtilsTest).
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Murmur2MatchesKafka(string key, int expected) =>
        Assert.Equal(expected, ContactCenter.Topology.Events.KeyPartition.Murmur2(Encoding.UTF8.GetBytes(key)));
}
