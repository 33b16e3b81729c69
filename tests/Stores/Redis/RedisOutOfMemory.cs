using StackExchange.Redis;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// Puts a real redis-server out of memory (<c>maxmemory 1</c> under <c>noeviction</c>: every write is refused with OOM,
/// reads still work) until disposed. The one failure tests can cause that belongs to Redis and never heals by retrying.
/// </summary>
internal sealed class RedisOutOfMemory : IAsyncDisposable
{
    private readonly IConnectionMultiplexer _admin;
    private readonly IServer _server;

    private RedisOutOfMemory(IConnectionMultiplexer admin)
    {
        _admin = admin;
        _server = admin.GetServer(admin.GetEndPoints()[0]);
    }

    public static async Task<RedisOutOfMemory> StartAsync(RealRedisBackend backend)
    {
        var admin = await ConnectionMultiplexer.ConnectAsync(backend.Endpoint + ",allowAdmin=true");
        var scope = new RedisOutOfMemory(admin);
        await scope._server.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        await scope._server.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
        return scope;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        await _admin.DisposeAsync();
    }
}
