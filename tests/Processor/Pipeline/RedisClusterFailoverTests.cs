using ContactCenter.Testing;
using System.Globalization;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// The pipeline on a 3-primary Redis Cluster with one replica each, while traffic flows: a primary dies with writes its
/// replica never received (the replica is frozen first, so the loss is certain, not a race), the replica takes over;
/// and slots migrate between primaries (<c>redis-cli --cluster reshard</c>). Each cluster is this test's own.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class RedisClusterFailoverTests : IAsyncLifetime
{
    private RedisTopologyProcess? _cluster;
    private IConnectionMultiplexer? _redis;

    private RedisTopologyProcess Cluster => _cluster!;

    private IConnectionMultiplexer Redis => _redis!;

    public async Task InitializeAsync()
    {
        _cluster = await RedisTopologyProcess.StartClusterAsync();
        _redis = await RedisConnector.ConnectAsync(_cluster.ClusterEndpoint);
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_primary_killed_under_traffic_with_a_lagging_replica_is_detected_repaired_and_ends_exact()
    {
        await using var traffic = new FailoverTraffic(agents: 300);
        await using var host = await traffic.StartPipelineAsync(Redis);
        Assert.True(ClusterSlots.IsCluster(Redis));
        traffic.Start();
        await WaitForAsync(() => host.State.Counters.Applied > 600, "traffic reaching Redis");

        var nodes = await RedisTopologyProcess.NodesAsync(Cluster.Primaries[0]);
        var victim = nodes.First(n => n.IsPrimary && n.HasSlots);
        var replica = nodes.First(n => n.PrimaryId == victim.Id);
        // The replica stops taking the replication stream; the primary goes on acknowledging writes it alone holds.
        await Cluster.CutOffReplicaAsync(victim.Port, replica.Port);
        // Half the agents get their last update now, while the replica lags: it lives on the primary alone, and only a
        // repair brings it back.
        traffic.FreezeHalf();
        await traffic.LastUpdateOfFrozenAsync(Redis);
        await Cluster.KillAsync(victim.Port);
        await Cluster.ResumeAsync(replica.Port);
        await RedisTopologyProcess.CliAsync("-p", Port(replica.Port), "cluster", "failover", "takeover");

        // Writes continue on the new primary.
        var appliedAtFailover = host.State.Counters.Applied;
        await WaitForAsync(() => host.State.Counters.Applied > appliedAtFailover + 600, "writes after the failover");
        await traffic.StopAsync();
        await traffic.EndExactAsync(Redis, TimeSpan.FromSeconds(90));
        Assert.True(host.State.Recovery.LossesDetected >= 1, "the writes the dead primary had acknowledged went missing unnoticed");
        Assert.True(host.Health.IsHealthy);
        Assert.Equal(0, host.State.DeadLettered);
    }

    [Fact]
    public async Task Slots_migrating_between_primaries_under_traffic_refuse_no_write_and_end_exact()
    {
        await using var traffic = new FailoverTraffic(agents: 300);
        await using var host = await traffic.StartPipelineAsync(Redis);
        traffic.Start();
        await WaitForAsync(() => host.State.Counters.Applied > 600, "traffic reaching Redis");

        var nodes = await RedisTopologyProcess.NodesAsync(Cluster.Primaries[0]);
        var primaries = nodes.Where(n => n.IsPrimary && n.HasSlots).ToList();
        // A third of one primary's slots move to another while every agent keeps being written (MOVED and ASK on the way).
        await RedisTopologyProcess.CliAsync("--cluster", "reshard", $"127.0.0.1:{primaries[0].Port}",
            "--cluster-from", primaries[0].Id, "--cluster-to", primaries[1].Id, "--cluster-slots", "2000",
            "--cluster-yes", "--cluster-pipeline", "10");
        var moved = (await RedisTopologyProcess.NodesAsync(Cluster.Primaries[0])).Count(n => n.IsPrimary && n.HasSlots);
        Assert.Equal(3, moved);

        var appliedAfter = host.State.Counters.Applied;
        await WaitForAsync(() => host.State.Counters.Applied > appliedAfter + 600, "writes after the reshard");
        await traffic.StopAsync();
        await traffic.EndExactAsync(Redis, TimeSpan.FromSeconds(60));
        Assert.True(host.Health.IsHealthy);
        Assert.Equal(0, host.State.DeadLettered);
        Assert.Equal(0, host.State.Recovery.LossesDetected);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
