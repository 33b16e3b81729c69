using ContactCenter.Stores.Redis;
using StackExchange.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// A migration's generation on a Redis Cluster (3 primaries, one replica each, real redis-server): the cut-over key lives
/// in another slot than the agent's hash, so the writer reads it before each batch (until found) and passes what it found
/// to the per-slot calls. Through the real <see cref="FencedStateWriter"/>: before the cut-over the new generation changes
/// no hash but moves its progress; after it, it applies only when it covers the held state part by part; the old
/// generation never overwrites it; a tombstone keeps generation and versions, in the hash's slot.
/// </summary>
[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FenceGenerationClusterTests(RedisClusterBackend backend)
{
    private readonly string _ns = Guid.NewGuid().ToString("N");

    private static KeyValuePair<string, string>[] Fields(string agent, string feature) => [new("agent", agent), new("feature", feature)];

    private static async Task<int> WriteAsync(FencedStateWriter writer, AgentStateWrite write)
    {
        var applied = 0;
        void Count(BatchAcknowledged batch) => applied += batch.Applied;
        writer.Acknowledged += Count;
        await writer.WriteAsync(write);
        await writer.FlushAsync();
        writer.Acknowledged -= Count;
        return applied;
    }

    [Fact]
    public async Task A_generation_cuts_over_on_a_cluster_and_its_writes_apply_only_when_no_held_part_is_newer()
    {
        var db = backend.Db;
        var key = $"cc:agent:{_ns}";
        string oldStage = $"old-{_ns}", newStage = $"new-{_ns}";
        Assert.NotEqual(ClusterSlots.Of(key), ClusterSlots.Of((string)StageGeneration.CutOverKeyOf(newStage)!));
        await StageGeneration.SetAsync(db, newStage, 1);

        await using var old = new FencedStateWriter(backend.Redis, oldStage);
        await using var @new = new FencedStateWriter(backend.Redis, newStage);
        Assert.True(@new.IsCluster);
        Assert.Equal(1, await WriteAsync(old, new AgentStateWrite(key, 2, 10, Fields("v5", "v3"), 105) { PartVersions = "agent=5,feature=3" }));

        // Shadowing: nothing changes for readers, the new stage's progress moves.
        Assert.Equal(0, await WriteAsync(@new, new AgentStateWrite(key, 9, 1, Fields("v6", "v3"), 110) { PartVersions = "agent=6,feature=3" }));
        Assert.Equal("v5", (string?)await db.HashGetAsync(key, "agent"));
        Assert.Equal(1L, (await RedisStateReader.ReadOffsetsAsync(db, newStage))[9]);

        await StageGeneration.CutOverAsync(db, newStage);
        // A later timestamp but feature v2 < v3: a reader would see the feature part go back, so it waits.
        Assert.Equal(0, await WriteAsync(@new, new AgentStateWrite(key, 9, 2, Fields("v7", "v2"), 120) { PartVersions = "agent=7,feature=2" }));
        Assert.Equal("v3", (string?)await db.HashGetAsync(key, "feature"));
        Assert.Equal(1, await WriteAsync(@new, new AgentStateWrite(key, 9, 3, Fields("v7", "v3"), 121) { PartVersions = "agent=7,feature=3" }));
        Assert.Equal("1", (string?)await db.HashGetAsync(key, FenceScript.GenerationField));
        // The old generation no longer writes over it, whatever its offset or timestamp.
        Assert.Equal(0, await WriteAsync(old, new AgentStateWrite(key, 2, 500, Fields("v8", "v4"), 900) { PartVersions = "agent=8,feature=4" }));
        Assert.Equal("v7", (string?)await db.HashGetAsync(key, "agent"));

        Assert.Equal(1, await WriteAsync(@new, new AgentStateWrite(key, 9, 4, null, 130) { PartVersions = "agent=9,feature=3" }));
        var tomb = FenceScript.TombstoneKey(key, clustered: true);
        Assert.Equal(ClusterSlots.Of(key), ClusterSlots.Of((string)tomb!));
        Assert.Equal("9:4:130:1:agent=9,feature=3", (string?)await db.StringGetAsync(tomb));
        Assert.False(await db.KeyExistsAsync(key));
        await ClusterSafe.DeleteAsync(db, [key, tomb, StageGeneration.Key(newStage), StageGeneration.CutOverKeyOf(newStage)]);
    }
}
