using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Stages;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Operations;

/// <summary>
/// docs/recovery.md, "Redis was lost", steps 2 and 3 as written, with the CLI verbs on the embedded broker and real
/// redis-servers: a snapshot saved from the live Redis and loaded into a new one, and a replay --execute into another new
/// one. Pods of the same group (with committed offsets past the snapshot) started on either Redis report no loss, rebuild
/// nothing and end exact, replaying only the tail after what was restored.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class RecoveryRunbookTests(ITestOutputHelper log) : IDisposable
{
    private readonly LibrdkafkaMockCluster _broker = LibrdkafkaMockCluster.Start(1);
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-runbook-test-").FullName;
    private readonly List<IAsyncDisposable> _redis = [];
    private IProducer<byte[]?, byte[]?>? _producer;

    private IProducer<byte[]?, byte[]?> Producer => _producer ??= new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();

    private async Task ProduceAsync(string id, long version)
    {
        await Producer.ProduceAsync("agent", new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes(id),
            Value = EventSerde.Serialize(new AgentEvent(id, version, 1000 + version, $"Agent {id} v{version}", "acme", "logged-in", "available")),
            Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(version == 1 ? EventOp.Created : EventOp.Updated) } },
        });
    }

    private async Task<(string Endpoint, IConnectionMultiplexer Redis)> NewRedisAsync()
    {
        var server = await RedisServerProcess.StartAsync();
        _redis.Add(server);
        var connection = await RedisConnector.ConnectAsync(server.Endpoint);
        return (server.Endpoint, connection);
    }

    private static async Task<StateStageHost> StartPodAsync(StateStageSpec spec, string bootstrap, IConnectionMultiplexer redis)
    {
        var pod = new StateStageHost(spec, new KafkaClientSettings(bootstrap), redis, NullLoggerFactory.Instance, new StageHealth(NullLogger.Instance));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await pod.StartAsync(timeout.Token);
        return pod;
    }

    private static async Task EndExactAsync(IDatabase db, string keyPrefix, Dictionary<string, int> versions)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var wrong = new List<string>();
            foreach (var (agent, version) in versions)
            {
                if (await db.HashGetAsync(keyPrefix + agent, "name") != $"Agent {agent} v{version}")
                    wrong.Add(agent);
            }
            if (wrong.Count == 0) return;
            Assert.True(DateTime.UtcNow < until, $"{wrong.Count} agents missing or stale: {string.Join(", ", wrong.Take(10))}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task The_runbooks_snapshot_load_and_replay_into_a_new_Redis_leave_a_Redis_pods_start_on_without_a_rebuild()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var topology = ReplayRepairTests.WriteTopology(_dir, "agent-state.yaml", id);
        var spec = TopologyLoader.Load(topology).Spec!;
        Assert.NotNull(spec);
        var keyPrefix = $"r{id}:agent:";
        var versions = Enumerable.Range(0, 30).ToDictionary(i => $"a{i}", _ => 1);

        await using var pipeline = new PipelineHost(spec);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await pipeline.StartAsync(new KafkaClientSettings(_broker.BootstrapServers), new MockTopicProvisioner(_broker), (await NewRedisAsync()).Redis,
                AggregateStores.Create(StoreKind.Memory, spec.Aggregate.StoreName), _dir, timeout.Token, PipelineHost.Stages.Aggregate);
        }
        var (liveEndpoint, live) = await NewRedisAsync();
        var snapshot = Path.Combine(_dir, "agent-state.ccsnap");
        await using (var pod = await StartPodAsync(spec.State, _broker.BootstrapServers, live))
        {
            foreach (var agent in versions.Keys)
                await ProduceAsync(agent, 1);
            await EndExactAsync(live.GetDatabase(), keyPrefix, versions);
            await pod.FlushAsync(CancellationToken.None);

            // Step 2, by hand: the snapshot is taken while the pod runs, and traffic goes on after it (the tail).
            var (code, output) = CliRunner.Run("snapshot", "save", "--redis", liveEndpoint, "--topology", topology, "--out", snapshot);
            Assert.True(code == 0, output);
            foreach (var agent in versions.Keys.Take(10).ToList())
            {
                versions[agent] = 2;
                await ProduceAsync(agent, 2);
            }
            await EndExactAsync(live.GetDatabase(), keyPrefix, versions);
            await pod.FlushAsync(CancellationToken.None);
            await Task.Delay(200); // acknowledged offsets are committed every 20 ms: the group is past the snapshot
        }

        var (restoredEndpoint, restored) = await NewRedisAsync();
        var (loadCode, loadOutput) = CliRunner.Run("snapshot", "load", "--redis", restoredEndpoint, "--topology", topology, "--in", snapshot);
        Assert.True(loadCode == 0, loadOutput);
        log.WriteLine(loadOutput);
        await using (var pod = await StartPodAsync(spec.State, _broker.BootstrapServers, restored))
        {
            await EndExactAsync(restored.GetDatabase(), keyPrefix, versions);
            Assert.Equal(0, pod.Recovery.LossesDetected);
            Assert.Empty(pod.Recovery.Rebuilds);
            Assert.Equal(10, pod.Consumed); // only the tail after the snapshot
            foreach (var agent in versions.Keys.Skip(10).Take(5).ToList())
            {
                versions[agent] = 2;
                await ProduceAsync(agent, 2);
            }
            await EndExactAsync(restored.GetDatabase(), keyPrefix, versions);
            await pod.FlushAsync(CancellationToken.None);
            await Task.Delay(200);
        }

        // Step 3: a new instance filled by replay --execute before pods point at it.
        var (replayedEndpoint, replayed) = await NewRedisAsync();
        var (replayCode, replayOutput) = CliRunner.Run("replay", topology, "--stage", spec.State.Name, "--bootstrap-servers", _broker.BootstrapServers,
            "--redis", replayedEndpoint, "--from", "earliest", "--to", "latest-at-start", "--execute");
        Assert.True(replayCode == 0, replayOutput);
        log.WriteLine(replayOutput);
        await EndExactAsync(replayed.GetDatabase(), keyPrefix, versions);
        await using (var pod = await StartPodAsync(spec.State, _broker.BootstrapServers, replayed))
        {
            foreach (var agent in versions.Keys.Skip(20).ToList())
            {
                versions[agent] = 2;
                await ProduceAsync(agent, 2);
            }
            await EndExactAsync(replayed.GetDatabase(), keyPrefix, versions);
            Assert.Equal(0, pod.Recovery.LossesDetected);
            Assert.Empty(pod.Recovery.Rebuilds);
            Assert.Equal(10, pod.Consumed); // nothing the replay wrote is read again
        }
    }

    public void Dispose()
    {
        _producer?.Dispose();
        foreach (var redis in _redis)
            redis.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _broker.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
