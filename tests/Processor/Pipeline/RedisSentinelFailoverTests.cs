using ContactCenter.Testing;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// The pipeline on a primary with one replica watched by three sentinels, connected through the sentinels (service
/// name): the primary dies with writes its replica never received (the replica is frozen first), the sentinels promote
/// the replica, the connection follows, and the lost acknowledged writes are detected and rebuilt.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class RedisSentinelFailoverTests : IAsyncLifetime
{
    private RedisTopologyProcess? _sentinel;
    private IConnectionMultiplexer? _redis;

    public async Task InitializeAsync()
    {
        _sentinel = await RedisTopologyProcess.StartSentinelAsync();
        _redis = await RedisConnector.ConnectAsync(_sentinel.SentinelEndpoint);
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        if (_sentinel is not null) await _sentinel.DisposeAsync();
    }

    [Fact]
    public async Task A_primary_killed_under_traffic_fails_over_to_its_lagging_replica_and_ends_exact()
    {
        var sentinel = _sentinel!;
        var redis = _redis!;
        Assert.Equal($"127.0.0.1:{sentinel.Primaries[0]}", Primary(redis));
        await using var traffic = new FailoverTraffic(agents: 300);
        await using var host = await traffic.StartPipelineAsync(redis);
        traffic.Start();
        await WaitForAsync(() => host.State.Counters.Applied > 600, "traffic reaching Redis");

        await sentinel.CutOffReplicaAsync(sentinel.Primaries[0], sentinel.Replicas[0]);
        // Half the agents get their last update now, while the replica lags: it lives on the primary alone, and only a
        // repair brings it back.
        traffic.FreezeHalf();
        await traffic.LastUpdateOfFrozenAsync(redis);
        await sentinel.KillAsync(sentinel.Primaries[0]);
        await sentinel.ResumeAsync(sentinel.Replicas[0]);

        // The sentinels promote the replica; the connection follows and writes continue there.
        await WaitForAsync(() => Primary(redis) == $"127.0.0.1:{sentinel.Replicas[0]}", "the sentinels' failover");
        var appliedAtFailover = host.State.Counters.Applied;
        await WaitForAsync(() => host.State.Counters.Applied > appliedAtFailover + 600, "writes after the failover");
        await traffic.StopAsync();
        await traffic.EndExactAsync(redis, TimeSpan.FromSeconds(90));
        Assert.True(host.State.Recovery.LossesDetected >= 1, "the writes the dead primary had acknowledged went missing unnoticed");
        Assert.True(host.Health.IsHealthy);
        Assert.Equal(0, host.State.DeadLettered);
    }

    private static string? Primary(IConnectionMultiplexer redis) =>
        redis.GetServers().Where(s => s.IsConnected && !s.IsReplica).Select(s => s.EndPoint.ToString()).FirstOrDefault();

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
