using ContactCenter.Sandbox.Fixtures;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>A fixture expectation naming a topic or Redis key the topology cannot produce is an error, before anything runs.</summary>
[Trait("Kind", "Integration")] // the fixture runner starts an embedded Garnet
public class FixtureValidatorTests
{
    private static readonly string Path = Repo.File("topologies/fixtures/x.yaml");

    private static async Task<IReadOnlyList<string>> Errors(string expect)
    {
        var text = "topology: ../agent-state.yaml\ninput:\n  - {topic: agent, key: a-1, op: CREATED, value: {agentId: a-1, version: 1, ts: 1, name: Ann}}\nexpect:\n" + expect;
        var result = await FixtureRunner.RunTextAsync(text, Path);
        return result.Diagnostics.Where(d => d.Severity == ContactCenter.Topology.Files.Severity.Error).Select(d => d.ToString()).ToList();
    }

    [Theory]
    [InlineData("  topics:\n    user-agregate: []\n", "6:5: error: expected topic 'user-agregate' is not a topic any stage of the topology writes; did you mean 'user-aggregate'?")]
    [InlineData("  topics:\n    cc.dead-leter: []\n", "6:5: error: expected topic 'cc.dead-leter' is not a topic any stage of the topology writes; did you mean 'cc.dead-letter'?")]
    [InlineData("  topics:\n    agent: []\n", "6:5: error: expected topic 'agent' is a source topic: no stage writes it")]
    [InlineData("  topics:\n    dead-letter: []\n", "expected topic 'dead-letter' is not a topic any stage of the topology writes; did you mean 'cc.dead-letter'?")]
    [InlineData("  redis:\n    \"cc:agnet:a-1\": null\n", "6:5: error: expected Redis key 'cc:agnet:a-1' matches no Redis key pattern of the topology (cc:agent:{key}); did you mean 'cc:agent:a-1'?")]
    [InlineData("  redis:\n    \"cc:agent:\": null\n", "expected Redis key 'cc:agent:' matches no Redis key pattern")]
    [InlineData("  redis:\n    \"a-1\": {name: Ann}\n", "expected Redis key 'a-1' matches no Redis key pattern")]
    public async Task ImpossibleExpectationsAreErrors(string expect, string error)
    {
        var errors = await Errors(expect);
        Assert.True(errors.Any(e => e.Contains(error, StringComparison.Ordinal)), string.Join("\n", errors));
    }

    [Theory]
    [InlineData("  topics:\n    user-aggregate: []\n    cc.dead-letter: []\n    cc.agent-aggregate-agent-aggregate-store-changelog: []\n")]
    [InlineData("  redis:\n    \"cc:agent:someone-else\": null\n")]
    public async Task PossibleExpectationsAreAccepted(string expect)
    {
        var errors = await Errors(expect);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ShippedFixturesPassTheCheck()
    {
        foreach (var file in Directory.GetFiles(Repo.File("topologies/fixtures"), "*.yaml"))
        {
            var result = await FixtureRunner.RunFileAsync(file);
            Assert.True(result.Passed, file + "\n" + string.Join("\n", result.Diagnostics));
        }
    }
}
