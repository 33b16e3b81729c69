using ContactCenter.Testing;
using ContactCenter.Processor.Hosting;
using ContactCenter.Stores.Redis;
using StackExchange.Redis;
using Xunit;
using ContactCenter.Sandbox.Redis;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>A running server the shared Redis tests talk to, and a connection to it.</summary>
public abstract class RedisBackend : IAsyncLifetime
{
    private IConnectionMultiplexer? _redis;

    public IConnectionMultiplexer Redis => _redis ?? throw new InvalidOperationException("Backend not started.");

    public IDatabase Db => Redis.GetDatabase();

    public abstract string Endpoint { get; }

    public async Task InitializeAsync()
    {
        await StartServerAsync();
        _redis = await RedisConnector.ConnectAsync(Endpoint);
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
            await _redis.DisposeAsync();
        await StopServerAsync();
    }

    protected abstract Task StartServerAsync();

    protected abstract Task StopServerAsync();
}

/// <summary>Debian's redis-server (7.0) as a child process.</summary>
public sealed class RealRedisBackend : RedisBackend
{
    private RedisServerProcess? _server;

    public override string Endpoint => _server!.Endpoint;

    protected override async Task StartServerAsync() => _server = await RedisServerProcess.StartAsync();

    protected override async Task StopServerAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}

/// <summary>Microsoft Garnet in this process, as the product embeds it.</summary>
public sealed class GarnetBackend : RedisBackend
{
    private EmbeddedGarnet? _garnet;

    public override string Endpoint => _garnet!.Endpoint;

    protected override Task StartServerAsync()
    {
        _garnet = EmbeddedGarnet.Start();
        return Task.CompletedTask;
    }

    protected override Task StopServerAsync()
    {
        _garnet?.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>All test classes on real Redis share one server.</summary>
[CollectionDefinition(Name)]
public sealed class RealRedisCollection : ICollectionFixture<RealRedisBackend>
{
    public const string Name = "redis-server";
}

/// <summary>All test classes on Garnet share one embedded server.</summary>
[CollectionDefinition(Name)]
public sealed class GarnetCollection : ICollectionFixture<GarnetBackend>
{
    public const string Name = "garnet";
}

/// <summary>A Redis Cluster of 3 primaries with one replica each (Debian's redis-server in cluster mode).</summary>
public sealed class RedisClusterBackend : RedisBackend
{
    private RedisTopologyProcess? _cluster;

    public RedisTopologyProcess Topology => _cluster ?? throw new InvalidOperationException("Cluster not started.");

    public override string Endpoint => Topology.ClusterEndpoint;

    protected override async Task StartServerAsync() => _cluster = await RedisTopologyProcess.StartClusterAsync();

    protected override async Task StopServerAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
    }
}

/// <summary>All test classes on the Redis Cluster share one cluster.</summary>
[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterBackend>
{
    public const string Name = "redis-cluster";
}
