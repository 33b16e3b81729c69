using System.Net;
using System.Net.Sockets;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// Every verb that talks to Kafka or Redis, run as an operator runs it (its own process), with the cluster away: one
/// line on stderr naming what it could not reach and the setting to check, exit 4, well within 30 s; no stack trace,
/// no librdkafka reconnect log.
/// </summary>
[Trait("Kind", "Integration")]
public class OperatorVerbReachabilityTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>A loopback port nobody listens on (bound, then released).</summary>
    private static string DeadEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }

    public static TheoryData<string, string[]> RedisVerbs() => new()
    {
        { "snapshot save", ["snapshot", "save", "--topology", "topologies/agent-state.yaml", "--out", Path.Combine(Path.GetTempPath(), $"cc-snap-{Guid.NewGuid():N}.snap")] },
        { "snapshot load", ["snapshot", "load", "--topology", "topologies/agent-state.yaml", "--in", "topologies/agent-state.yaml"] },
        { "purge-keys", ["purge-keys", "topologies/agent-state.yaml", "--key-pattern", "old:{key}"] },
        { "copy-progress", ["copy-progress", "topologies/agent-state.yaml", "--stage", "agent-state", "--from-stage", "old-state", "--bootstrap-servers", "127.0.0.1:1"] },
        { "move-queue", ["move-queue", "topologies/examples/provisioning.yaml", "--from", "cc:queue:old", "--to", "cc:queue:{provisioning}", "--bootstrap-servers", "127.0.0.1:1"] },
        { "reconcile", ["reconcile", "topologies/examples/provisioning.yaml", "--listing", "http://127.0.0.1:1/agents"] },
    };

    [Theory]
    [MemberData(nameof(RedisVerbs))]
    public async Task A_redis_verb_with_redis_away_says_so_in_one_line(string verb, string[] args)
    {
        var outcome = await CliProcess.RunAsync(Bound, null, [.. args, "--redis", DeadEndpoint()]);
        AssertOneLine(outcome, verb, "cannot reach Redis", "Redis:Endpoint");
    }

    [Theory]
    [InlineData("replay", new[] { "replay", "topologies/agent-state.yaml", "--stage", "agent-state" })]
    [InlineData("reset", new[] { "reset", "topologies/agent-state.yaml", "--stage", "agent-state", "--to-earliest" })]
    public async Task A_kafka_verb_with_the_broker_away_says_so_in_one_line(string verb, string[] args)
    {
        var outcome = await CliProcess.RunAsync(Bound, null, [.. args, "--bootstrap-servers", DeadEndpoint(), "--redis", DeadEndpoint()]);
        AssertOneLine(outcome, verb, "cannot reach Kafka", "Kafka:BootstrapServers");
    }

    [Theory]
    [InlineData("replay", new[] { "replay", "topologies/agent-state.yaml", "--stage", "agent-state" })]
    [InlineData("reset", new[] { "reset", "topologies/agent-state.yaml", "--stage", "agent-state", "--to-earliest" })]
    public async Task A_kafka_verb_with_redis_away_says_so_in_one_line(string verb, string[] args)
    {
        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        broker.CreateTopic("user-aggregate", 6);
        var outcome = await CliProcess.RunAsync(Bound, null, [.. args, "--bootstrap-servers", broker.BootstrapServers, "--redis", DeadEndpoint()]);
        AssertOneLine(outcome, verb, "cannot reach Redis", "Redis:Endpoint");
    }

    private static void AssertOneLine(CliOutcome outcome, string verb, string what, string setting)
    {
        Assert.True(outcome.Code == 4, outcome.ToString());
        Assert.True(outcome.Elapsed < Bound, outcome.ToString());
        var line = Assert.Single(outcome.ErrorLines);
        Assert.StartsWith(verb.Split(' ')[0], line);
        Assert.Contains(what, line);
        Assert.Contains(setting, line);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }
}
