using ContactCenter.Stores.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>The writer keeps every write through a Redis outage (a real redis-server killed and restarted).</summary>
[Trait("Kind", "ProcessKill")]
public sealed class FencedWriterOutageTests : IAsyncLifetime
{
    private RedisServerProcess? _server;

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }

    [Fact]
    public async Task Writes_made_while_redis_is_down_are_applied_once_it_is_back()
    {
        var server = _server!;
        await using var redis = await RedisConnector.ConnectAsync(server.Endpoint, o => o.AsyncTimeout = 1_000);
        var acknowledged = 0;
        await using var writer = new FencedStateWriter(redis, "outage", new FencedWriterOptions
        {
            MaxBatch = 16,
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        });
        writer.Acknowledged += ack => Interlocked.Add(ref acknowledged, ack.Writes.Count);

        for (var i = 0; i < 10; i++)
            await writer.WriteAsync(new AgentStateWrite($"cc:agent:{i}", 0, i, [KeyValuePair.Create("n", "before")], i));
        await writer.FlushAsync();

        await server.StopAsync();
        for (var i = 10; i < 110; i++)
            await writer.WriteAsync(new AgentStateWrite($"cc:agent:{i % 20}", 0, i, [KeyValuePair.Create("n", i.ToString())], i));
        await server.RestartAsync(); // empty again: no persistence

        await writer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(110, acknowledged);
        Assert.Equal(0, writer.Pending);
        var db = redis.GetDatabase();
        for (var agent = 0; agent < 20; agent++)
        {
            var last = Enumerable.Range(10, 100).Last(i => i % 20 == agent);
            Assert.Equal(last.ToString(), (await RedisStateReader.ReadHashAsync(db, $"cc:agent:{agent}"))!["n"]);
        }
        Assert.Equal(new Dictionary<int, long> { [0] = 109 }, await RedisStateReader.ReadOffsetsAsync(db, "outage"));
    }

    [Fact]
    public async Task Dispose_gives_up_after_the_shutdown_timeout_when_redis_stays_down()
    {
        var server = _server!;
        await using var redis = await RedisConnector.ConnectAsync(server.Endpoint, o => o.AsyncTimeout = 500);
        var writer = new FencedStateWriter(redis, "shutdown", new FencedWriterOptions
        {
            ShutdownTimeout = TimeSpan.FromMilliseconds(500),
            MaxRetryDelay = TimeSpan.FromMilliseconds(100),
        });
        var acknowledged = 0;
        writer.Acknowledged += ack => Interlocked.Add(ref acknowledged, ack.Writes.Count);
        await server.StopAsync();
        await writer.WriteAsync(new AgentStateWrite("cc:agent:x", 0, 1, [KeyValuePair.Create("n", "1")], 1));

        await writer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, acknowledged); // never acknowledged, so its source offset is never committed
        await Assert.ThrowsAsync<ObjectDisposedException>(() =>
            writer.WriteAsync(new AgentStateWrite("cc:agent:x", 0, 2, [KeyValuePair.Create("n", "2")], 2)).AsTask());
    }
}
