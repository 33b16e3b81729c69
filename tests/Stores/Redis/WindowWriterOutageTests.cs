using ContactCenter.Stores.Redis;
using StackExchange.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>Window counts go through a Redis outage (a real redis-server stopped and restarted under the writer): the
/// write is retried until Redis answers, and it lands once, with the count it carries.</summary>
[Trait("Kind", "ProcessKill")]
public sealed class WindowWriterOutageTests : IAsyncLifetime
{
    private RedisServerProcess? _server;

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_window_write_made_while_redis_is_down_lands_once_it_is_back()
    {
        var server = _server!;
        await using var redis = await RedisConnector.ConnectAsync(server.Endpoint, o => o.AsyncTimeout = 500);
        var writer = new WindowHashWriter(redis.GetDatabase(), TimeSpan.FromHours(1), maxRetryDelay: TimeSpan.FromMilliseconds(200));
        await server.StopAsync();

        var write = writer.WriteAsync([new WindowHashWrite("cc:window:w:acme:0", 3, 41, 7, 0, 900_000)]);
        // Still retrying: a transient failure does not end the write (before, it threw and the stage stopped).
        await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.False(write.IsCompleted, write.Exception?.ToString());
        await server.RestartAsync();

        Assert.Equal(1, await write.WaitAsync(TimeSpan.FromSeconds(60)));
        var hash = (await redis.GetDatabase().HashGetAllAsync("cc:window:w:acme:0")).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal("7", hash["count"]);
        Assert.Equal("41", hash["o:3"]);
    }

    [Fact]
    public async Task A_write_waiting_for_redis_ends_when_its_caller_stops()
    {
        var server = _server!;
        await using var redis = await RedisConnector.ConnectAsync(server.Endpoint, o => o.AsyncTimeout = 500);
        var writer = new WindowHashWriter(redis.GetDatabase(), TimeSpan.FromHours(1), maxRetryDelay: TimeSpan.FromMilliseconds(200));
        await server.StopAsync();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<Exception>(() => writer.WriteAsync([new WindowHashWrite("cc:window:w:acme:0", 0, 1, 1, 0, 900_000)], stop.Token)
            .WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(stop.IsCancellationRequested);
    }
}
