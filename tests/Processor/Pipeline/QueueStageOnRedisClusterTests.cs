using System.Globalization;
using System.Net;
using ContactCenter.Processor.Workers;
using ContactCenter.Sandbox.Demo;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Testing;
using ContactCenter.Tests.Support;
using ContactCenter.Topology.Files;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// The queue stage on a 3-primary Redis Cluster with one replica each: the provisioning scenario (merge, state and
/// queue stages and a worker pool, through the pod's composition root) on-boards agents while the primary holding the
/// queue's slot dies with writes its replica never received (the replica is cut off first, so the loss is certain),
/// and the replica takes over. Every agent must still be provisioned exactly once at the service, nothing missing,
/// nothing dead: the jobs the dead primary alone held are found lost by the fence and queued again by the rebuild
/// under their original idempotency keys.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class QueueStageOnRedisClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisTopologyProcess? _cluster;

    private RedisTopologyProcess Cluster => _cluster!;

    public async Task InitializeAsync() => _cluster = await RedisTopologyProcess.StartClusterAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Bulk_provisioning_through_a_primary_failover_provisions_every_agent_exactly_once()
    {
        const int agents = 400;
        var spec = TopologyLoader.Load(Path.Combine(RepoPaths.Root(), "topologies", "examples", "provisioning.yaml")).Spec!;
        var queueKey = spec.QueueStages.Single().QueueKey;
        using var redis = await RedisConnector.ConnectAsync(Cluster.ClusterEndpoint);
        Assert.True(ClusterSlots.IsCluster(redis));
        var workers = new WorkerOptions { Concurrency = 16, ReaperInterval = TimeSpan.FromMilliseconds(500) };
        // A job whose completion the dead primary alone held comes back within seconds, not the production minute.
        workers.Queue = workers.Queue with { VisibilityTimeout = TimeSpan.FromSeconds(3) };
        var scenario = new ProvisioningScenario(new ProvisioningScenarioOptions
        {
            Agents = agents,
            Rate = 300,
            Redis = Cluster.ClusterEndpoint,
            Service = new ProvisioningServiceOptions { Latency = TimeSpan.FromMilliseconds(20), FailureRate = 0.1 },
            Workers = workers,
            Timeout = TimeSpan.FromMinutes(3),
        }, new TestOutputWriter(output));
        var run = scenario.RunAsync(spec, CancellationToken.None);

        var queue = new RedisJobQueue(redis, queueKey);
        await WaitForAsync(async () => (await queue.CountsAsync()).Jobs >= agents / 4, run, "jobs queued on the cluster");

        var port = ((IPEndPoint)redis.GetDatabase().IdentifyEndpoint(new JobQueueKeys(queueKey).Jobs)!).Port;
        var nodes = await RedisTopologyProcess.NodesAsync(port);
        var victim = nodes.Single(n => n.Port == port);
        Assert.True(victim.IsPrimary);
        var replica = nodes.First(n => n.PrimaryId == victim.Id);
        // The replica stops taking the replication stream: jobs queued from now on live on the primary alone.
        await Cluster.CutOffReplicaAsync(victim.Port, replica.Port);
        var before = (await queue.CountsAsync()).Jobs;
        await WaitForAsync(async () => (await queue.CountsAsync()).Jobs >= before + 40, run, "jobs the replica never received");
        await Cluster.KillAsync(victim.Port);
        await Cluster.ResumeAsync(replica.Port);
        await RedisTopologyProcess.CliAsync("-p", replica.Port.ToString(CultureInfo.InvariantCulture), "cluster", "failover", "takeover");

        var summary = await run;
        output.WriteLine(summary.ToString());
        Assert.Equal(agents, summary.Provisioned);
        Assert.Equal(0, summary.Duplicates);
        Assert.Equal(0, summary.Missing);
        Assert.Equal(0, summary.Extra);
        Assert.Equal(0, summary.Dead);
        Assert.Equal(agents, summary.Jobs);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, Task run, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (run.IsCompleted) await run; // a run that failed says why
            try
            {
                if (await condition()) return;
            }
            catch (Exception error) when (RedisFailures.IsTransient(error))
            {
            }
            if (DateTime.UtcNow > until) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
