using ContactCenter.Processor.Hosting;
using ContactCenter.Stores.Redis;
using StackExchange.Redis;
using Xunit;
using ContactCenter.Sandbox.Redis;

namespace ContactCenter.Tests.Sandbox.Redis;

[Trait("Kind", "Integration")]
public sealed class EmbeddedGarnetTests
{
    [Fact]
    public async Task Serves_lua_on_loopback_and_dispose_leaves_the_working_directory_alone()
    {
        var workingDirectory = Environment.CurrentDirectory;
        var ownAssembly = typeof(EmbeddedGarnetTests).Assembly.Location;

        using (var garnet = EmbeddedGarnet.Start())
        {
            Assert.Equal($"127.0.0.1:{garnet.Port}", garnet.Endpoint);
            await using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
            var result = await redis.GetDatabase().ScriptEvaluateAsync("return redis.call('SET', KEYS[1], ARGV[1])", ["k"], ["v"]);
            Assert.Equal("OK", (string?)result);
            Assert.Equal("v", (string?)await redis.GetDatabase().StringGetAsync("k"));
        }

        // Garnet's own cleanup (cleanupDir) deletes its log directory, which defaults to the working directory: in a
        // plain process that removed the whole directory. EmbeddedGarnet must never ask for that cleanup.
        Assert.True(Directory.Exists(workingDirectory));
        Assert.True(File.Exists(ownAssembly));
    }

    [Fact]
    public async Task Two_servers_run_side_by_side_with_separate_data()
    {
        using var first = EmbeddedGarnet.Start();
        using var second = EmbeddedGarnet.Start();
        Assert.NotEqual(first.Port, second.Port);
        await using var a = await RedisConnector.ConnectAsync(first.Endpoint);
        await using var b = await RedisConnector.ConnectAsync(second.Endpoint);
        Assert.True(await a.GetDatabase().StringSetAsync("only-in-first", "1"));

        // The write landed in the first, so the second saying no is about separation, not a failed write.
        Assert.True(await a.GetDatabase().KeyExistsAsync("only-in-first"));
        Assert.False(await b.GetDatabase().KeyExistsAsync("only-in-first"));
    }
}
