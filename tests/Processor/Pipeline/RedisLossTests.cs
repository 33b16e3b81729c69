using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// Lose Redis, lose nothing. The pipeline runs on the embedded broker; Redis then loses what it held (FLUSHALL, a
/// restart without persistence, a rollback of offsets and data as after promoting a lagging replica, or an emptied
/// Redis under a pod that starts later), more traffic flows, and every agent must end exactly as sent: the state stage
/// notices the loss, keeps serving and rebuilds the rest in the background from the derived topic.
/// </summary>
public abstract class RedisLossTests(RedisBackend backend) : IDisposable
{
    private const int Agents = 40;
    private readonly LibrdkafkaMockCluster _broker = LibrdkafkaMockCluster.Start(1);
    private readonly string _stateDir = Directory.CreateTempSubdirectory("cc-loss-test-").FullName;
    private readonly string _prefix = $"loss{Guid.NewGuid():N}"[..12] + ".";
    private IProducer<byte[]?, byte[]?> Producer => _producerLazy ??= new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
    private IProducer<byte[]?, byte[]?>? _producerLazy;

    private PipelineSpec Spec => TestSpecs.Agent(_prefix);

    private protected async Task<PipelineHost> StartAsync(IConnectionMultiplexer redis, string? snapshots = null)
    {
        var host = new PipelineHost(Spec) { SnapshotDirectory = snapshots };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(new KafkaClientSettings(_broker.BootstrapServers), new MockTopicProvisioner(_broker), redis,
            AggregateStores.Create(StoreKind.Memory, Spec.Aggregate.StoreName), _stateDir, timeout.Token);
        return host;
    }

    private async Task SendAsync(string agent, int version)
    {
        var ev = new AgentEvent(agent, version, 1_000 + version, $"{agent} v{version}", "acme", "logged-in", $"p{version}");
        await Producer.ProduceAsync($"{_prefix}agent", new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes(agent),
            Value = EventSerde.Serialize(ev),
            Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Updated) } },
        });
    }

    private static Dictionary<string, string> Expected(string agent, int version) => new()
    {
        ["name"] = $"{agent} v{version}", ["tenant"] = "acme", ["status"] = "logged-in", ["presence"] = $"p{version}",
    };

    /// <summary>Batch A: every agent at version 1, all in Redis before returning.</summary>
    protected async Task<Dictionary<string, int>> FirstTrafficAsync(IConnectionMultiplexer redis)
    {
        var versions = new Dictionary<string, int>();
        for (var i = 0; i < Agents; i++)
        {
            versions[$"a{i}"] = 1;
            await SendAsync($"a{i}", 1);
        }
        await EndExactAsync(redis, versions);
        return versions;
    }

    /// <summary>Batch B, after the loss: a quarter of the agents move to version 2 and ten new agents appear.</summary>
    protected async Task MoreTrafficAsync(Dictionary<string, int> versions)
    {
        for (var i = 0; i < Agents; i += 4)
        {
            versions[$"a{i}"] = 2;
            await SendAsync($"a{i}", 2);
        }
        for (var i = Agents; i < Agents + 10; i++)
        {
            versions[$"a{i}"] = 1;
            await SendAsync($"a{i}", 1);
        }
    }

    /// <summary>Waits until Redis holds exactly the expected hash of every agent (fails with the differences after 60 s).</summary>
    protected async Task EndExactAsync(IConnectionMultiplexer redis, Dictionary<string, int> versions)
    {
        var db = redis.GetDatabase();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var wrong = new List<string>();
            foreach (var (agent, version) in versions)
            {
                Dictionary<string, string>? hash = null;
                try { hash = await RedisStateReader.ReadHashAsync(db, $"{_prefix}cc:agent:{agent}"); }
                catch (RedisException) { /* Redis still coming back */ }
                if (hash is null || !hash.OrderBy(h => h.Key).SequenceEqual(Expected(agent, version).OrderBy(h => h.Key)))
                    wrong.Add(agent);
            }
            if (wrong.Count == 0) return;
            if (DateTime.UtcNow > until)
                Assert.Fail($"{wrong.Count} of {versions.Count} agents missing or stale in Redis: {string.Join(", ", wrong.Take(10))}");
            await Task.Delay(100);
        }
    }

    protected static async Task FlushAllAsync(string endpoint)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(endpoint + ",allowAdmin=true");
        // Every primary of a cluster (replicas follow); one server otherwise.
        foreach (var server in admin.GetServers().Where(s => !s.IsReplica))
            await server.FlushAllDatabasesAsync();
    }

    /// <summary>As after promoting a replica that lagged: some hashes are gone and every offset key went back to 0.</summary>
    protected async Task RollBackAsync(IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        for (var i = 1; i < Agents; i += 5)
            await db.KeyDeleteAsync($"{_prefix}cc:agent:a{i}");
        foreach (var (partition, _) in await RedisStateReader.ReadOffsetsAsync(db, Spec.State.Name))
            await db.StringSetAsync($"cc:offsets:{Spec.State.Name}:{partition}", "0");
    }

    protected async Task LoseWhileRunningAsync(IConnectionMultiplexer redis, Func<Task> lose)
    {
        await using var host = await StartAsync(redis);
        var versions = await FirstTrafficAsync(redis);
        await lose();
        await MoreTrafficAsync(versions);
        await EndExactAsync(redis, versions);
        Assert.True(host.State.Recovery.LossesDetected >= 1, "the loss went unnoticed");
        Assert.True(host.Health.IsHealthy);
    }

    protected async Task EmptyRedisUnderANewPodAsync(IConnectionMultiplexer redis, Func<Task> lose)
    {
        Dictionary<string, int> versions;
        await using (var first = await StartAsync(redis))
        {
            versions = await FirstTrafficAsync(redis);
            await first.State.FlushAsync(CancellationToken.None);
        }
        await lose();
        await using var second = await StartAsync(redis);
        await EndExactAsync(redis, versions);
        Assert.True(second.State.Recovery.LossesDetected >= 1, "the loss went unnoticed");
    }

    /// <summary>
    /// Redis emptied under a pod that has a snapshot directory: the newest snapshot is loaded and only the tail after
    /// its offsets is replayed; no partition needs a rebuild from the start of the topic.
    /// </summary>
    protected async Task EmptyRedisUnderAPodWithASnapshotAsync(IConnectionMultiplexer redis, Func<Task> lose)
    {
        var snapshots = Directory.CreateTempSubdirectory("cc-snapshots-").FullName;
        Dictionary<string, int> versions;
        await using (var first = await StartAsync(redis))
        {
            versions = await FirstTrafficAsync(redis);
            await first.State.FlushAsync(CancellationToken.None);
            await ContactCenter.Stores.Snapshots.RedisSnapshots.SaveAsync(redis, Spec.State.Name, Spec.State.KeyPattern, RedisKeyspace.OffsetsPrefix,
                Path.Combine(snapshots, ContactCenter.Stores.Snapshots.RedisSnapshots.FileName(Spec.State.Name)));
            await MoreTrafficAsync(versions); // the tail: after the snapshot
            await EndExactAsync(redis, versions);
            await first.State.FlushAsync(CancellationToken.None);
        }
        await lose();
        await using var second = await StartAsync(redis, snapshots);
        await EndExactAsync(redis, versions);
        Assert.Equal(0, second.State.Recovery.LossesDetected);
        Assert.Empty(second.State.Recovery.Rebuilds);
    }

    /// <summary>
    /// A restarted pod that never writes again (traffic stopped) still notices that Redis was emptied under it, for every
    /// partition it owns, and rebuilds them all while it runs, without a new event and within 10 s.
    /// </summary>
    protected async Task EmptyRedisUnderAnIdlePodAsync(IConnectionMultiplexer redis, Func<Task> lose)
    {
        Dictionary<string, int> versions;
        await using (var first = await StartAsync(redis))
        {
            versions = await FirstTrafficAsync(redis);
            await first.State.FlushAsync(CancellationToken.None);
        }
        await using var idle = await StartAsync(redis);
        Assert.Equal([0, 1, 2], idle.State.Recovery.Owned);
        Assert.Equal(0, idle.State.Recovery.LossesDetected);
        await lose();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await EndExactAsync(redis, versions);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"rebuilt after {clock.Elapsed}");
        Assert.True(idle.State.Recovery.LossesDetected >= 1, "the loss went unnoticed");
        Assert.Equal([0, 1, 2], idle.State.Recovery.Rebuilds.SelectMany(r => r.Partitions.Keys).Order());
        Assert.Equal(0, idle.State.Consumed);
    }

    /// <summary>
    /// A pod that started on an empty Redis (a new pipeline) takes partitions over in later rebalances: the epoch it set
    /// itself is read again, so nothing is reported lost and nothing is rebuilt; another pod joining and leaving changes
    /// nothing either.
    /// </summary>
    [Fact]
    public async Task A_rebalance_reports_no_loss_on_a_pod_that_started_on_an_empty_Redis()
    {
        var redis = backend.Redis;
        await using var first = await StartAsync(redis);
        var versions = await FirstTrafficAsync(redis);
        await first.State.FlushAsync(CancellationToken.None);
        await Task.Delay(100); // the acknowledged offsets are committed every 20 ms
        var second = new PipelineHost(Spec);
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await second.StartAsync(new KafkaClientSettings(_broker.BootstrapServers), null, redis, AggregateStores.Create(StoreKind.Memory, Spec.Aggregate.StoreName),
                _stateDir, timeout.Token, PipelineHost.Stages.State);
        }
        await WaitAsync(() => second.State.Recovery.Owned.Count > 0 && first.State.Recovery.Owned.Count + second.State.Recovery.Owned.Count == 3,
            "the second pod to take partitions over");
        await MoreTrafficAsync(versions);
        await EndExactAsync(redis, versions);
        await second.State.FlushAsync(CancellationToken.None);
        await second.DisposeAsync();
        await WaitAsync(() => first.State.Recovery.Owned.Count == 3, "the first pod to take every partition back");
        await EndExactAsync(redis, versions);
        Assert.Equal(0, first.State.Recovery.LossesDetected);
        Assert.Empty(first.State.Recovery.Rebuilds);
        Assert.Equal(0, second.State.Recovery.LossesDetected);
        Assert.Empty(second.State.Recovery.Rebuilds);
    }

    private static async Task WaitAsync(Func<bool> done, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public Task Redis_emptied_under_an_idle_pod_is_rebuilt_within_10_s() => EmptyRedisUnderAnIdlePodAsync(backend.Redis, () => FlushAllAsync(backend.Endpoint));

    [Fact]
    public Task FLUSHALL_mid_traffic_ends_exact() => LoseWhileRunningAsync(backend.Redis, () => FlushAllAsync(backend.Endpoint));

    [Fact]
    public Task A_rollback_of_offsets_and_data_ends_exact() => LoseWhileRunningAsync(backend.Redis, () => RollBackAsync(backend.Redis));

    [Fact]
    public Task A_pod_started_on_an_emptied_Redis_rebuilds_it() => EmptyRedisUnderANewPodAsync(backend.Redis, () => FlushAllAsync(backend.Endpoint));

    [Fact]
    public Task A_pod_with_a_snapshot_loads_it_and_replays_only_the_tail() =>
        EmptyRedisUnderAPodWithASnapshotAsync(backend.Redis, () => FlushAllAsync(backend.Endpoint));

    public void Dispose()
    {
        _producerLazy?.Dispose();
        _broker.Dispose();
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class RedisLossOnRedisTests(RealRedisBackend backend) : RedisLossTests(backend)
{
    [Fact]
    public async Task Redis_killed_and_restarted_empty_mid_traffic_ends_exact()
    {
        await using var server = await RedisServerProcess.StartAsync();
        using var redis = await RedisConnector.ConnectAsync(server.Endpoint);
        await LoseWhileRunningAsync(redis, async () =>
        {
            await server.StopAsync();
            await server.RestartAsync();
        });
    }
}

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class RedisLossOnGarnetTests(GarnetBackend backend) : RedisLossTests(backend)
{
    [Fact]
    public async Task Garnet_restarted_empty_mid_traffic_ends_exact()
    {
        var garnet = EmbeddedGarnet.Start();
        var port = garnet.Port;
        try
        {
            using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
            await LoseWhileRunningAsync(redis, () =>
            {
                garnet.Dispose();
                garnet = EmbeddedGarnet.Start(port);
                return Task.CompletedTask;
            });
        }
        finally
        {
            garnet.Dispose();
        }
    }
}

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class RedisLossOnRedisClusterTests(RedisClusterBackend backend) : RedisLossTests(backend)
{
    [Fact]
    public Task One_primary_flushed_mid_traffic_ends_exact() =>
        LoseWhileRunningAsync(backend.Redis, () => FlushAllAsync($"127.0.0.1:{backend.Topology.Primaries[0]}"));
}
