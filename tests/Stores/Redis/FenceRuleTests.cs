using ContactCenter.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// The fence script and its C# twin <see cref="FenceRule"/> (the replay's shadow of Redis) decide alike: every prior
/// state of a key (none, a hash, a tombstone) against every write (upsert or delete, live or replay, same or other
/// partition, older / same / newer offset and timestamp, same or other fields), on redis-server and on Garnet.
/// </summary>
public abstract class FenceRuleTests(RedisBackend backend)
{
    private static readonly KeyValuePair<string, string>[] Fields = [new("a", "1"), new("b", "2")];
    private static readonly KeyValuePair<string, string>[] OtherFields = [new("a", "1"), new("b", "3")];

    private static IEnumerable<AgentStateWrite?> Priors()
    {
        yield return null;
        yield return new AgentStateWrite("k", 0, 10, Fields, 100);
        yield return new AgentStateWrite("k", 0, 10, null, 100);
    }

    private static IEnumerable<AgentStateWrite> Writes()
    {
        foreach (var partition in new[] { 0, 1 })
        foreach (var offset in new long[] { 9, 10, 11 })
        foreach (var timestamp in new long[] { 99, 100, 101 })
        foreach (var fields in new[] { Fields, OtherFields, null })
        foreach (var replay in new[] { false, true })
            yield return new AgentStateWrite("k", partition, offset, fields, timestamp) { Replay = replay };
    }

    /// <summary>One write through the script, as a call of its own; returns the write's result.</summary>
    internal static async Task<long> RunAsync(IDatabase db, AgentStateWrite write, RedisKey progressKey)
    {
        var (keys, args) = FenceScript.Call([new FenceWrite(write)], 60_000, _ => progressKey, _ => null);
        return (long)(await db.ScriptEvaluateAsync(FenceScript.Source, keys, args))[0];
    }

    [Fact]
    public async Task The_script_and_FenceRule_agree_on_every_prior_state_and_write()
    {
        var db = backend.Db;
        var key = "fence-rule:" + Guid.NewGuid().ToString("N");
        var keys = new RedisKey[] { key, FenceScript.TombstoneKey(key), key + ":progress" };
        var disagreements = new List<string>();
        foreach (var prior in Priors())
        {
            foreach (var write in Writes())
            {
                await db.KeyDeleteAsync(keys);
                if (prior is not null)
                    await RunAsync(db, prior with { Key = key }, keys[2]);
                var hash = (await db.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
                var hashFence = hash.Count > 0 ? Fence.FromHash(hash) : null;
                var tomb = Fence.FromTombstone((string?)await db.StringGetAsync(FenceScript.TombstoneKey(key)));
                var fields = hash.Count > 0 ? hash.Where(e => !FenceScript.IsFenceField(e.Key)).ToDictionary() : null;
                var expected = FenceRule.Applies(write with { Key = key }, hashFence, tomb, fields);
                var progressBefore = await db.StringGetAsync(keys[2]);
                var applied = await RunAsync(db, write with { Key = key }, keys[2]) == 1;
                if (applied != expected)
                    disagreements.Add($"prior {prior}, write {write} replay={write.Replay}: script {applied}, FenceRule {expected}");
                if (write.Replay && await db.StringGetAsync(keys[2]) != progressBefore)
                    disagreements.Add($"replay write {write} moved the progress key");
            }
        }
        await db.KeyDeleteAsync(keys);
        Assert.Empty(disagreements);
    }

    [Fact]
    public async Task A_replay_of_the_record_that_wrote_a_hash_repairs_it_once_and_then_changes_nothing()
    {
        var db = backend.Db;
        var key = "fence-rule:" + Guid.NewGuid().ToString("N");
        var keys = new RedisKey[] { key, FenceScript.TombstoneKey(key), key + ":progress" };
        await RunAsync(db, new AgentStateWrite(key, 0, 10, OtherFields, 100), keys[2]);
        var repair = new AgentStateWrite(key, 0, 10, Fields, 100) { Replay = true };
        Assert.Equal(1L, await RunAsync(db, repair, keys[2]));
        Assert.Equal("2", (string?)await db.HashGetAsync(key, "b"));
        Assert.Equal(0L, await RunAsync(db, repair, keys[2]));
        // A live redelivery of the same record stays a no-op, as before.
        Assert.Equal(0L, await RunAsync(db, repair with { Replay = false, Fields = OtherFields }, keys[2]));
        await db.KeyDeleteAsync(keys);
    }
}

[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public sealed class FenceRuleOnRedisTests(RealRedisBackend backend) : FenceRuleTests(backend);

[Trait("Kind", "Integration")]
[Collection(GarnetCollection.Name)]
public sealed class FenceRuleOnGarnetTests(GarnetBackend backend) : FenceRuleTests(backend);
