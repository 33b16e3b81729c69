using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Xunit.Abstractions;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Tests.Processor.Operations;

/// <summary>
/// The operator's repair after a bad deploy, on the embedded broker and a real redis-server, with the shipped
/// topology file: a state-stage pod with a wrong field mapping corrupts some hashes, <c>replay --dry-run</c> names
/// exactly those agents and fields, <c>replay --execute</c> repairs them while a pod keeps running, and a second
/// <c>--execute</c> changes nothing.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public sealed class ReplayRepairTests(RealRedisBackend backend, ITestOutputHelper log) : IDisposable
{
    private readonly LibrdkafkaMockCluster _broker = LibrdkafkaMockCluster.Start(1);
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-replay-test-").FullName;
    private IProducer<byte[]?, byte[]?>? _producer;

    private IProducer<byte[]?, byte[]?> Producer => _producer ??= new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();

    /// <summary>
    /// The shipped topology with a stage name and key pattern of its own (the redis-server is shared by test classes;
    /// the broker is this test's own); <paramref name="mapping"/> replaces the hash's status/presence mapping.
    /// </summary>
    internal static string WriteTopology(string dir, string file, string id, string mapping = "status: status\n      presence: presence")
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"));
        text = Replace(text, "  - name: agent-state\n", $"  - name: rs{id}\n");
        text = Replace(text, "key-pattern: \"cc:agent:{key}\"", $"key-pattern: \"r{id}:agent:{{key}}\"");
        text = Replace(text, "status: status\n      presence: presence", mapping);
        var path = Path.Combine(dir, file);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Replace(string text, string old, string now)
    {
        Assert.Contains(old, text);
        return text.Replace(old, now, StringComparison.Ordinal);
    }

    private async Task ProduceAgentAsync(string id, long version, string status, string presence)
    {
        await Producer.ProduceAsync("agent", new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes(id),
            Value = EventSerde.Serialize(new AgentEvent(id, version, 1000 + version, $"Agent {id}", "acme", status, presence)),
            Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(version == 1 ? EventOp.Created : EventOp.Updated) } },
        });
    }

    private async Task<StateStageHost> StartPodAsync(StateStageSpec spec)
    {
        var pod = new StateStageHost(spec, new KafkaClientSettings(_broker.BootstrapServers), backend.Redis, NullLoggerFactory.Instance, new StageHealth(NullLogger.Instance));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await pod.StartAsync(timeout.Token);
        return pod;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> done, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    private static JsonElement Json(string output)
    {
        var line = output.Split('\n').Last(l => l.StartsWith("{\"stage\"", StringComparison.Ordinal));
        return JsonDocument.Parse(line).RootElement;
    }

    [Fact]
    public async Task Replay_reports_exactly_the_agents_a_bad_deploy_corrupted_and_repairs_them_while_a_pod_runs()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var goodPath = WriteTopology(_dir, "good.yaml", id);
        var badPath = WriteTopology(_dir, "bad.yaml", id, "status: presence\n      presence: status");
        var good = TopologyLoader.Load(goodPath).Spec!;
        var bad = TopologyLoader.Load(badPath).Spec!;
        Assert.NotNull(good);
        Assert.NotNull(bad);
        var db = backend.Redis.GetDatabase();
        string Key(string agent) => $"r{id}:agent:{agent}";
        var agents = Enumerable.Range(0, 20).Select(i => $"a{i}").ToArray();
        var corrupted = agents[..5];

        await using var pipeline = new PipelineHost(good);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await pipeline.StartAsync(new KafkaClientSettings(_broker.BootstrapServers), new MockTopicProvisioner(_broker), backend.Redis,
                AggregateStores.Create(StoreKind.Memory, good.Aggregate.StoreName), _dir, timeout.Token, PipelineHost.Stages.Aggregate);
        }

        // Version 1 of every agent, materialized by a correct pod.
        await using (var pod = await StartPodAsync(good.State))
        {
            foreach (var agent in agents)
                await ProduceAgentAsync(agent, 1, "logged-in", "available");
            await EventuallyAsync(async () => (await Task.WhenAll(agents.Select(a => db.KeyExistsAsync(Key(a))))).All(e => e), "version 1 in Redis");
            await pod.FlushAsync(CancellationToken.None);
        }

        // The bad deploy (status and presence swapped) processes version 2 of five agents. Each pod generation gets a
        // group of its own only to skip the mock's wait for a new member of an emptied group; pods start from the
        // offsets in Redis either way.
        await using (var pod = await StartPodAsync(bad.State with { GroupId = bad.State.GroupId + ".v2" }))
        {
            foreach (var agent in corrupted)
                await ProduceAgentAsync(agent, 2, "logged-in", "busy");
            await EventuallyAsync(async () => (await Task.WhenAll(corrupted.Select(a => db.HashGetAsync(Key(a), "status")))).All(v => v == "busy"), "the bad deploy's writes");
            await pod.FlushAsync(CancellationToken.None);
        }

        // Rolled back: a correct pod runs from here on, and keeps running through the replays.
        await using var live = await StartPodAsync(good.State with { GroupId = good.State.GroupId + ".v3" });
        var before = await SnapshotAsync(db, agents.Select(Key));

        var diffPath = Path.Combine(_dir, "diff.jsonl");
        var (code, output) = CliRunner.Run("replay", goodPath, "--stage", good.State.Name, "--bootstrap-servers", _broker.BootstrapServers,
            "--redis", backend.Endpoint, "--diff-out", diffPath, "--json");
        Assert.True(code == 0, output);
        log.WriteLine(output);
        var summary = Json(output);
        Assert.Equal("dry-run", summary.GetProperty("mode").GetString());
        Assert.Equal(25, summary.GetProperty("consumed").GetInt64());
        Assert.Equal(5, summary.GetProperty("changed").GetInt32());
        Assert.Equal(0, summary.GetProperty("added").GetInt32());
        Assert.Equal(0, summary.GetProperty("removed").GetInt32());
        Assert.Equal(15, summary.GetProperty("unchanged").GetInt32());
        var lines = File.ReadAllLines(diffPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(corrupted.Select(Key).Order(), lines.Select(l => l.GetProperty("key").GetString()!).Order());
        foreach (var line in lines)
        {
            Assert.Equal("changed", line.GetProperty("change").GetString());
            var fields = line.GetProperty("fields");
            Assert.Equal(["presence", "status"], fields.EnumerateObject().Select(f => f.Name).Order());
            Assert.Equal("logged-in", fields.GetProperty("presence").GetProperty("before").GetString());
            Assert.Equal("busy", fields.GetProperty("presence").GetProperty("after").GetString());
            Assert.Equal("busy", fields.GetProperty("status").GetProperty("before").GetString());
            Assert.Equal("logged-in", fields.GetProperty("status").GetProperty("after").GetString());
        }
        // A dry run only reads.
        Assert.Equal(before, await SnapshotAsync(db, agents.Select(Key)));

        // The live pod keeps working meanwhile: a newer update of a corrupted agent must survive the replay.
        await ProduceAgentAsync("a4", 3, "logged-in", "away");
        await EventuallyAsync(async () => await db.HashGetAsync(Key("a4"), "presence") == "away", "the live pod's write");
        await live.FlushAsync(CancellationToken.None);
        var progress = await RedisStateReader.ReadOffsetsAsync(db, good.State.Name);

        (code, output) = CliRunner.Run("replay", goodPath, "--stage", good.State.Name, "--bootstrap-servers", _broker.BootstrapServers,
            "--redis", backend.Endpoint, "--execute", "--json");
        Assert.True(code == 0, output);
        summary = Json(output);
        Assert.Equal("execute", summary.GetProperty("mode").GetString());
        Assert.Equal(4, summary.GetProperty("written").GetInt64());
        foreach (var agent in corrupted[..4])
        {
            var hash = await RedisStateReader.ReadHashAsync(db, Key(agent));
            Assert.Equal("logged-in", hash!["status"]);
            Assert.Equal("busy", hash["presence"]);
        }
        var a4 = await RedisStateReader.ReadHashAsync(db, Key("a4"));
        Assert.Equal(("logged-in", "away"), (a4!["status"], a4["presence"]));
        // The stage's progress is the pods' business: the replay leaves it where the live pod put it.
        Assert.Equal(progress, await RedisStateReader.ReadOffsetsAsync(db, good.State.Name));

        // Again, while the live pod applies new traffic: nothing left to repair, and the pod's newer writes stand. The
        // range ends before the traffic (a range to 'now' would take in the new records too, and the replay may then
        // write one before the live pod does: a write, though nothing was left to repair).
        var beforeTraffic = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var traffic = Task.Run(async () =>
        {
            foreach (var agent in agents[10..])
                await ProduceAgentAsync(agent, 2, "logged-in", "on-call");
        });
        (code, output) = CliRunner.Run("replay", goodPath, "--stage", good.State.Name, "--bootstrap-servers", _broker.BootstrapServers,
            "--redis", backend.Endpoint, "--to", beforeTraffic, "--execute", "--json");
        await traffic;
        Assert.True(code == 0, output);
        Assert.Equal(0, Json(output).GetProperty("written").GetInt64());
        await EventuallyAsync(async () => (await Task.WhenAll(agents[10..].Select(a => db.HashGetAsync(Key(a), "presence")))).All(v => v == "on-call"), "the live pod's new traffic");
        await live.FlushAsync(CancellationToken.None);

        (code, output) = CliRunner.Run("replay", goodPath, "--stage", good.State.Name, "--bootstrap-servers", _broker.BootstrapServers,
            "--redis", backend.Endpoint, "--json");
        Assert.True(code == 0, output);
        Assert.Equal(0, Json(output).GetProperty("changed").GetInt32());
        Assert.Equal(20, Json(output).GetProperty("unchanged").GetInt32());
        Assert.Equal(11, live.Consumed);

        // Lost hashes (Redis flushed, in part) come back: the dry run says "added", the replay writes them; --keys
        // limits a replay to some agents.
        Assert.Equal(2, await db.KeyDeleteAsync([Key("a7"), Key("a8")]));
        (code, output) = CliRunner.Run("replay", goodPath, "--stage", good.State.Name, "--bootstrap-servers", _broker.BootstrapServers,
            "--redis", backend.Endpoint, "--keys", "a8,a9", "--json");
        Assert.True(code == 0, output);
        Assert.Equal((1, 1, 2L), (Json(output).GetProperty("added").GetInt32(), Json(output).GetProperty("unchanged").GetInt32(), Json(output).GetProperty("consumed").GetInt64()));
        (code, output) = CliRunner.Run("replay", goodPath, "--stage", good.State.Name, "--bootstrap-servers", _broker.BootstrapServers,
            "--redis", backend.Endpoint, "--json");
        Assert.True(code == 0, output);
        Assert.Equal((2, 0), (Json(output).GetProperty("added").GetInt32(), Json(output).GetProperty("changed").GetInt32()));
        (code, output) = CliRunner.Run("replay", goodPath, "--stage", good.State.Name, "--bootstrap-servers", _broker.BootstrapServers,
            "--redis", backend.Endpoint, "--execute", "--json");
        Assert.True(code == 0, output);
        Assert.Equal(2, Json(output).GetProperty("written").GetInt64());
        Assert.Equal("Agent a7", await db.HashGetAsync(Key("a7"), "name"));
    }

    private static async Task<Dictionary<string, string>> SnapshotAsync(IDatabase db, IEnumerable<string> keys)
    {
        var all = new Dictionary<string, string>();
        foreach (var key in keys)
        {
            foreach (var entry in await db.HashGetAllAsync(key))
                all[$"{key}/{entry.Name}"] = entry.Value!;
        }
        return all;
    }

    public void Dispose()
    {
        _producer?.Dispose();
        _broker.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
