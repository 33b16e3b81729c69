using ContactCenter.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// The fence across a migration's two offset spaces (<see cref="StageGeneration"/>): the script and <see cref="FenceRule"/>
/// decide alike for every prior state written by generation 0, 1 or 2 against every write of generation 0, 1 or 2, before
/// and after the writer's cut-over; and the rules a reader relies on hold on the real script.
/// </summary>
public abstract class FenceGenerationTests(RedisBackend backend)
{
    private static readonly KeyValuePair<string, string>[] Fields = [new("a", "1"), new("b", "2")];
    private static readonly KeyValuePair<string, string>[] OtherFields = [new("a", "1"), new("b", "3")];

    private static async Task<long> RunAsync(IDatabase db, AgentStateWrite write, RedisKey progressKey, StageGeneration? generation)
    {
        var (keys, args) = FenceScript.Call([new FenceWrite(write)], 60_000, _ => progressKey, _ => null, generation: generation);
        return (long)(await db.ScriptEvaluateAsync(FenceScript.Source, keys, args))[0];
    }

    private static StageGeneration? Generation(long number, RedisKey cutOverKey) => number == 0 ? null : new StageGeneration(number, cutOverKey);

    [Fact]
    public async Task The_script_and_FenceRule_agree_across_generations_before_and_after_cut_over()
    {
        var db = backend.Db;
        var key = "fence-gen:" + Guid.NewGuid().ToString("N");
        RedisKey cut = key + ":cutover";
        var keys = new RedisKey[] { key, FenceScript.TombstoneKey(key), key + ":progress", cut };
        var disagreements = new List<string>();
        var checkedCases = 0;
        foreach (var priorGeneration in new long[] { 0, 1, 2 })
        foreach (var priorFields in new[] { Fields, null })
        foreach (var generation in new long[] { 0, 1, 2 })
        foreach (var cutOver in new[] { false, true })
        foreach (var partition in new[] { 0, 1 })
        foreach (var offset in new long[] { 9, 10, 11 })
        foreach (var timestamp in new long[] { 99, 100, 101 })
        foreach (var fields in new[] { OtherFields, null })
        foreach (var replay in new[] { false, true })
        {
            await db.KeyDeleteAsync(keys);
            await db.StringSetAsync(cut, "1");
            await RunAsync(db, new AgentStateWrite(key, 0, 10, priorFields, 100), keys[2], Generation(priorGeneration, cut));
            if (!cutOver) await db.KeyDeleteAsync(cut);
            var hash = (await db.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
            var hashFence = hash.Count > 0 ? Fence.FromHash(hash) : null;
            var tomb = Fence.FromTombstone((string?)await db.StringGetAsync(FenceScript.TombstoneKey(key)));
            Assert.Equal(priorGeneration, (hashFence ?? tomb)!.Value.Generation);
            var current = hash.Count > 0 ? hash.Where(e => !FenceScript.IsFenceField(e.Key)).ToDictionary() : null;
            var write = new AgentStateWrite(key, partition, offset, fields, timestamp) { Replay = replay };
            var expected = FenceRule.Applies(write, hashFence, tomb, current, generation: generation, cutOver: cutOver || generation == 0);
            var applied = await RunAsync(db, write, keys[2], Generation(generation, cut)) == 1;
            checkedCases++;
            if (applied != expected)
                disagreements.Add($"prior g{priorGeneration} {(priorFields is null ? "tombstone" : "hash")}, write g{generation} cut={cutOver} {write} replay={replay}: script {applied}, FenceRule {expected}");
        }
        await db.KeyDeleteAsync(keys);
        Assert.Equal(3 * 2 * 3 * 2 * 2 * 3 * 3 * 2 * 2, checkedCases);
        Assert.Empty(disagreements);
    }

    [Fact]
    public async Task Before_cut_over_a_new_generation_changes_no_key_but_moves_its_progress()
    {
        var db = backend.Db;
        var key = "fence-gen:" + Guid.NewGuid().ToString("N");
        RedisKey cut = key + ":cutover", progress = key + ":progress", shadowProgress = key + ":shadow-progress";
        await RunAsync(db, new AgentStateWrite(key, 3, 10, Fields, 100), progress, null);
        Assert.Equal(0L, await RunAsync(db, new AgentStateWrite(key, 7, 4, OtherFields, 200), shadowProgress, new StageGeneration(1, cut)));
        Assert.Equal(0L, await RunAsync(db, new AgentStateWrite(key + "-new", 7, 5, OtherFields, 200), shadowProgress, new StageGeneration(1, cut)));
        Assert.Equal("2", (string?)await db.HashGetAsync(key, "b"));
        Assert.False(await db.KeyExistsAsync(key + "-new"));
        Assert.Equal("5", (string?)await db.StringGetAsync(shadowProgress));
        await db.KeyDeleteAsync([key, progress, shadowProgress]);
    }

    [Fact]
    public async Task After_cut_over_the_new_generation_wins_by_timestamp_and_the_old_one_never_overwrites_it()
    {
        var db = backend.Db;
        var key = "fence-gen:" + Guid.NewGuid().ToString("N");
        RedisKey cut = key + ":cutover", progress = key + ":progress";
        var g1 = new StageGeneration(1, cut);
        await db.StringSetAsync(cut, "1");
        await RunAsync(db, new AgentStateWrite(key, 3, 10, Fields, 100), progress, null);
        // Older than what the old generation wrote: the reader must not go back.
        Assert.Equal(0L, await RunAsync(db, new AgentStateWrite(key, 7, 4, OtherFields, 99), progress, g1));
        Assert.Equal(1L, await RunAsync(db, new AgentStateWrite(key, 7, 5, OtherFields, 100), progress, g1));
        Assert.Equal("1", (string?)await db.HashGetAsync(key, FenceScript.GenerationField));
        // The old generation, even with a far higher offset of its own partition, no longer writes over it.
        Assert.Equal(0L, await RunAsync(db, new AgentStateWrite(key, 7, 1000, Fields, 500), progress, null));
        Assert.Equal("3", (string?)await db.HashGetAsync(key, "b"));
        // A delete of the new generation keeps its generation in the tombstone, which still fences the old one.
        Assert.Equal(1L, await RunAsync(db, new AgentStateWrite(key, 7, 6, null, 101), progress, g1));
        Assert.Equal("7:6:101:1", (string?)await db.StringGetAsync(FenceScript.TombstoneKey(key)));
        Assert.Equal(0L, await RunAsync(db, new AgentStateWrite(key, 7, 2000, Fields, 600), progress, null));
        Assert.False(await db.KeyExistsAsync(key));
        await db.KeyDeleteAsync([key, FenceScript.TombstoneKey(key), progress, cut]);
    }

    // The cause of issue 24's reader regressions: an aggregate's timestamp is the last merged event's, not a measure of
    // how new each part is. The old generation merged agent v5 (t 100) then feature v3 (t 105); the new one, reading the
    // bridged topics in another order, holds agent v6 (t 110) but still feature v2 (t 90). By timestamp alone its write
    // wins and the feature part goes back from v3 to v2; by part versions it waits until it holds feature v3.
    private static readonly KeyValuePair<string, string>[] OldState = [new("agent", "v5"), new("feature", "v3")];
    private static readonly KeyValuePair<string, string>[] NewPartial = [new("agent", "v6"), new("feature", "v2")];
    private static readonly KeyValuePair<string, string>[] NewCaughtUp = [new("agent", "v6"), new("feature", "v3")];

    [Fact]
    public async Task Ordered_by_timestamp_alone_a_new_generation_puts_a_part_back()
    {
        var db = backend.Db;
        var key = "fence-gen:" + Guid.NewGuid().ToString("N");
        RedisKey cut = key + ":cutover", progress = key + ":progress";
        await db.StringSetAsync(cut, "1");
        await RunAsync(db, new AgentStateWrite(key, 3, 10, OldState, 105), progress, null);
        Assert.Equal(1L, await RunAsync(db, new AgentStateWrite(key, 7, 4, NewPartial, 110), progress, new StageGeneration(1, cut)));
        Assert.Equal("v2", (string?)await db.HashGetAsync(key, "feature"));
        await db.KeyDeleteAsync([key, progress, cut]);
    }

    [Fact]
    public async Task With_part_versions_a_new_generation_applies_only_when_no_part_of_the_held_state_is_newer()
    {
        var db = backend.Db;
        var key = "fence-gen:" + Guid.NewGuid().ToString("N");
        RedisKey cut = key + ":cutover", progress = key + ":progress";
        var g1 = new StageGeneration(1, cut);
        await db.StringSetAsync(cut, "1");
        await RunAsync(db, new AgentStateWrite(key, 3, 10, OldState, 105) { PartVersions = "agent=5,feature=3" }, progress, null);
        Assert.Equal("agent=5,feature=3", (string?)await db.HashGetAsync(key, FenceScript.VersionsField));
        Assert.Equal(0L, await RunAsync(db, new AgentStateWrite(key, 7, 4, NewPartial, 110) { PartVersions = "agent=6,feature=2" }, progress, g1));
        // A part the write does not hold at all counts as version 0.
        Assert.Equal(0L, await RunAsync(db, new AgentStateWrite(key, 7, 5, [new("agent", "v6")], 111) { PartVersions = "agent=6" }, progress, g1));
        Assert.Equal("v3", (string?)await db.HashGetAsync(key, "feature"));
        // The old generation goes on updating the hash meanwhile (its own partition, a higher offset).
        Assert.Equal(1L, await RunAsync(db, new AgentStateWrite(key, 3, 11, NewCaughtUp, 110) { PartVersions = "agent=6,feature=3" }, progress, null));
        // Equal versions are the same state: the new generation takes the hash over, whatever the timestamps say.
        Assert.Equal(1L, await RunAsync(db, new AgentStateWrite(key, 7, 6, NewCaughtUp, 50) { PartVersions = "agent=6,feature=3" }, progress, g1));
        Assert.Equal("1", (string?)await db.HashGetAsync(key, FenceScript.GenerationField));
        // Deleted, the tombstone keeps the versions (p:o:t:g:v), and a re-created agent must cover them.
        Assert.Equal(1L, await RunAsync(db, new AgentStateWrite(key, 7, 7, null, 120) { PartVersions = "agent=7,feature=4" }, progress, g1));
        Assert.Equal("7:7:120:1:agent=7,feature=4", (string?)await db.StringGetAsync(FenceScript.TombstoneKey(key)));
        Assert.Equal(new Fence(7, 7, 120, 1, "agent=7,feature=4"), Fence.FromTombstone((string?)await db.StringGetAsync(FenceScript.TombstoneKey(key))));
        await db.KeyDeleteAsync(key + ":g2cut");
        await db.StringSetAsync(key + ":g2cut", "1");
        var g2 = new StageGeneration(2, key + ":g2cut");
        Assert.Equal(0L, await RunAsync(db, new AgentStateWrite(key, 1, 1, NewCaughtUp, 130) { PartVersions = "agent=8,feature=3" }, progress, g2));
        Assert.Equal(1L, await RunAsync(db, new AgentStateWrite(key, 1, 2, NewCaughtUp, 130) { PartVersions = "agent=8,feature=4" }, progress, g2));
        Assert.False(await db.KeyExistsAsync(FenceScript.TombstoneKey(key)));
        Assert.Equal("agent=8,feature=4", (string?)await db.HashGetAsync(key, FenceScript.VersionsField));
        // A write without versions removes the _v it can no longer vouch for.
        Assert.Equal(1L, await RunAsync(db, new AgentStateWrite(key, 1, 3, NewCaughtUp, 140), progress, g2));
        Assert.False(await db.HashExistsAsync(key, FenceScript.VersionsField));
        await db.KeyDeleteAsync([key, FenceScript.TombstoneKey(key), progress, cut, key + ":g2cut"]);
    }

    [Fact]
    public async Task The_script_and_FenceRule_agree_on_part_versions_across_generations()
    {
        var db = backend.Db;
        var key = "fence-gen:" + Guid.NewGuid().ToString("N");
        RedisKey cut = key + ":cutover";
        var keys = new RedisKey[] { key, FenceScript.TombstoneKey(key), key + ":progress", cut };
        string?[] priorVersions = [null, "a=1,b=2"];
        string?[] writeVersions = [null, "a=1,b=2", "a=2,b=1", "a=2,b=2", "a=1", "a=1,b=2,c=1"];
        var disagreements = new List<string>();
        var checkedCases = 0;
        foreach (var priorGeneration in new long[] { 0, 1 })
        foreach (var prior in priorVersions)
        foreach (var priorFields in new[] { Fields, null })
        foreach (var generation in new long[] { 0, 1, 2 })
        foreach (var versions in writeVersions)
        foreach (var timestamp in new long[] { 99, 101 })
        foreach (var fields in new[] { OtherFields, null })
        {
            await db.KeyDeleteAsync(keys);
            await db.StringSetAsync(cut, "1");
            await RunAsync(db, new AgentStateWrite(key, 0, 10, priorFields, 100) { PartVersions = prior }, keys[2], Generation(priorGeneration, cut));
            var hash = (await db.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
            var hashFence = hash.Count > 0 ? Fence.FromHash(hash) : null;
            var tomb = Fence.FromTombstone((string?)await db.StringGetAsync(FenceScript.TombstoneKey(key)));
            Assert.Equal(prior, (hashFence ?? tomb)!.Value.Versions);
            var current = hash.Count > 0 ? hash.Where(e => !FenceScript.IsFenceField(e.Key)).ToDictionary() : null;
            var write = new AgentStateWrite(key, 1, 5, fields, timestamp) { PartVersions = versions };
            var expected = FenceRule.Applies(write, hashFence, tomb, current, generation: generation);
            var applied = await RunAsync(db, write, keys[2], Generation(generation, cut)) == 1;
            checkedCases++;
            if (applied != expected)
                disagreements.Add($"prior g{priorGeneration} v={prior} {(priorFields is null ? "tombstone" : "hash")}, write g{generation} v={versions} {write}: script {applied}, FenceRule {expected}");
        }
        await db.KeyDeleteAsync(keys);
        Assert.Equal(2 * 2 * 2 * 3 * 6 * 2 * 2, checkedCases);
        Assert.Empty(disagreements);
    }
}

[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public sealed class FenceGenerationOnRedisTests(RealRedisBackend backend) : FenceGenerationTests(backend);

[Trait("Kind", "Integration")]
[Collection(GarnetCollection.Name)]
public sealed class FenceGenerationOnGarnetTests(GarnetBackend backend) : FenceGenerationTests(backend);
