using ContactCenter.Processor.Operations;
using StackExchange.Redis;

namespace ContactCenter.Tests.Cli;

/// <summary>Operator verbs refuse input that cannot mean what the operator wants, before they touch a cluster.</summary>
[Trait("Kind", "Unit")]
public class OperatorVerbInputTests
{
    private static readonly string[] DeadCluster = ["--bootstrap-servers", "127.0.0.1:1", "--redis", "127.0.0.1:1"];

    [Theory]
    [InlineData("2026-12-07T10:00:00Z", "2026-12-07T09:00:00Z")]
    [InlineData("2026-12-07T10:00:00Z", "2026-12-07T10:00:00Z")]
    [InlineData("500", "100")]
    [InlineData("0:500,1:20", "100")]
    public void Replay_refuses_an_end_before_its_start(string from, string to)
    {
        var (code, output) = CliRunner.Run(["replay", "topologies/agent-state.yaml", "--stage", "agent-state", "--from", from, "--to", to, .. DeadCluster]);
        Assert.Equal(2, code);
        Assert.Contains("the range would be empty", output);
        Assert.DoesNotContain("cannot reach", output);
    }

    [Fact]
    public void Replay_accepts_an_end_after_its_start_and_only_then_goes_to_the_cluster()
    {
        Assert.True(ReplayRange.TryParseStart("100", out var start, out _));
        Assert.True(ReplayRange.TryParseEnd("101", out var end, out _));
        Assert.Null(ReplayRange.CheckOrder(start, end));
        Assert.True(ReplayRange.TryParseEnd("now", out var now, out _));
        Assert.Null(ReplayRange.CheckOrder(start, now));
    }

    [Theory]
    [InlineData("a-1,bad:key", "'bad:key'")]
    [InlineData("a-1,white space,x/y", "'white space', 'x/y'")]
    [InlineData(",", "names no agent")]
    public void Replay_refuses_keys_no_agent_can_have(string keys, string named)
    {
        var (code, output) = CliRunner.Run(["replay", "topologies/agent-state.yaml", "--stage", "agent-state", "--keys", keys, .. DeadCluster]);
        Assert.Equal(2, code);
        Assert.Contains(named, output);
    }
}

/// <summary><c>purge-keys</c> deletes only what the state stage writes under a pattern: hashes and their string fences.</summary>
[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public class PurgeKeysTypeTests(RealRedisBackend backend)
{
    [Fact]
    public async Task Keys_of_other_types_under_the_old_pattern_are_kept()
    {
        var prefix = "purge" + Guid.NewGuid().ToString("N")[..6];
        var db = backend.Db;
        await db.HashSetAsync($"{prefix}:a-1", "name", "one");
        await db.StringSetAsync($"{prefix}:a-2:tomb", "0:1:2");
        await db.StringSetAsync($"{prefix}:a-3", "someone else's counter");
        await db.ListRightPushAsync($"{prefix}:a-4", "someone else's list");
        await db.HashSetAsync($"{prefix}:a-5:tomb", "odd", "a hash where a fence would be a string");
        var (code, output) = CliRunner.Run("purge-keys", "topologies/agent-state.yaml", "--key-pattern", prefix + ":{key}", "--redis", backend.Endpoint, "--execute");
        Assert.True(code == 0, output);
        Assert.Contains("3 other keys match the pattern", output);
        Assert.False(await db.KeyExistsAsync($"{prefix}:a-1"));
        Assert.False(await db.KeyExistsAsync($"{prefix}:a-2:tomb"));
        Assert.Equal(RedisType.String, await db.KeyTypeAsync($"{prefix}:a-3"));
        Assert.Equal(RedisType.List, await db.KeyTypeAsync($"{prefix}:a-4"));
        Assert.Equal(RedisType.Hash, await db.KeyTypeAsync($"{prefix}:a-5:tomb"));
    }
}
