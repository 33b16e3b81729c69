using ContactCenter.Stores.Redis;
using StackExchange.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>A script called by hash works on a server that never saw it and on one that lost its script cache, on
/// every backend; on redis-server the calls after the first really go by hash.</summary>
public abstract class HashedScriptTests(RedisBackend backend)
{
    private readonly string _ns = Guid.NewGuid().ToString("N");

    // A fresh script text per test class instance: no server has it cached.
    private HashedScript NewScript() => new($"-- {_ns}\nredis.call('INCR', KEYS[1]) return redis.call('GET', KEYS[1]) + ARGV[1]");

    [Fact]
    public async Task A_script_no_server_holds_is_sent_by_text_then_called_by_hash()
    {
        var script = NewScript();
        var key = (RedisKey)$"hashed:{_ns}";
        Assert.Equal(11, (long)await script.EvaluateAsync(backend.Db, [key], [10]));
        Assert.Equal(12, (long)await script.EvaluateAsync(backend.Db, [key], [10]));
        // The text went once: the server holds the script by its hash now.
        Assert.Equal(13, (long)await backend.Db.ScriptEvaluateAsync(script.Sha1, [key], [10]));
    }

    [Fact]
    public async Task A_server_that_lost_its_script_cache_gets_the_text_again()
    {
        var script = NewScript();
        var key = (RedisKey)$"hashed:{_ns}";
        Assert.Equal(1, (long)await script.EvaluateAsync(backend.Db, [key], [0]));
        foreach (var server in backend.Redis.GetServers().Where(s => !s.IsReplica))
            await server.ExecuteAsync("SCRIPT", "FLUSH");
        await Assert.ThrowsAsync<RedisServerException>(() => backend.Db.ScriptEvaluateAsync(script.Sha1, [key], [0]));
        Assert.Equal(2, (long)await script.EvaluateAsync(backend.Db, [key], [0]));
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class HashedScriptOnRedisTests(RealRedisBackend backend) : HashedScriptTests(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class HashedScriptOnGarnetTests(GarnetBackend backend) : HashedScriptTests(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class HashedScriptOnRedisClusterTests(RedisClusterBackend backend) : HashedScriptTests(backend);
