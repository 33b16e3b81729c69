using ContactCenter.Stores.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>Dedup claims and key listing, run against every backend.</summary>
public abstract class RedisStateTests(RedisBackend backend)
{
    private readonly string _ns = Guid.NewGuid().ToString("N");

    [Fact]
    public async Task First_claim_wins_and_later_claims_lose_even_from_the_same_owner()
    {
        var id = $"msg-{_ns}";
        var ttl = TimeSpan.FromMinutes(5);

        Assert.True(await FirstWriteWins.TryClaimAsync(backend.Db, id, "pod-a", ttl));
        Assert.False(await FirstWriteWins.TryClaimAsync(backend.Db, id, "pod-b", ttl));
        Assert.False(await FirstWriteWins.TryClaimAsync(backend.Db, id, "pod-a", ttl));

        Assert.Equal("pod-a", (string?)await backend.Db.StringGetAsync($"cc:dedup:{id}"));
        var remaining = await backend.Db.KeyTimeToLiveAsync($"cc:dedup:{id}");
        Assert.NotNull(remaining);
        Assert.InRange(remaining.Value, TimeSpan.FromMinutes(4), ttl);
    }

    [Fact]
    public async Task Concurrent_claims_have_exactly_one_winner()
    {
        var id = $"race-{_ns}";
        var claims = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => FirstWriteWins.TryClaimAsync(backend.Db, id, $"pod-{i}", TimeSpan.FromMinutes(1))));

        Assert.Single(claims, won => won);
    }

    [Fact]
    public async Task Scan_lists_every_matching_key_across_pages()
    {
        var keys = Enumerable.Range(0, 2_500).Select(i => $"scan:{_ns}:{i}").ToHashSet();
        var batch = backend.Db.CreateBatch();
        var sets = keys.Select(k => batch.StringSetAsync(k, "1")).ToArray();
        batch.Execute();
        await Task.WhenAll(sets);
        await backend.Db.StringSetAsync($"other:{_ns}", "1");

        var found = new List<string>();
        await foreach (var key in RedisStateReader.ScanKeysAsync(backend.Redis, $"scan:{_ns}:*"))
            found.Add(key);

        // SCAN may return a key twice while the keyspace changes; the set of keys must match exactly.
        Assert.Equal(keys, found.ToHashSet());
    }

    [Fact]
    public async Task State_key_scan_leaves_out_the_tombstone_fences_of_deleted_keys()
    {
        await using var writer = new FencedStateWriter(backend.Redis, $"scan-stage-{_ns}");
        await writer.WriteAsync(new AgentStateWrite($"st:{_ns}:live", 0, 1, [new("name", "Ann")], 1));
        await writer.WriteAsync(new AgentStateWrite($"st:{_ns}:gone", 0, 2, [new("name", "Bob")], 2));
        await writer.WriteAsync(new AgentStateWrite($"st:{_ns}:gone", 0, 3, null, 3));
        await writer.FlushAsync();

        // On a Redis Cluster the tombstone is named into its hash's slot ({hash}:tomb) and has a pattern of its own.
        var clustered = ClusterSlots.IsCluster(backend.Redis);
        var all = new List<string>();
        foreach (var glob in RedisStateReader.StateGlobs($"st:{_ns}:{{key}}", tombstones: true, clustered))
            await foreach (var key in RedisStateReader.ScanKeysAsync(backend.Redis, glob)) all.Add(key);
        var state = new List<string>();
        await foreach (var key in RedisStateReader.ScanStateKeysAsync(backend.Redis, $"st:{_ns}:*")) state.Add(key);

        Assert.Contains((string)FenceScript.TombstoneKey($"st:{_ns}:gone", clustered)!, all);
        Assert.Equal([$"st:{_ns}:live"], state.Distinct());
    }

    [Fact]
    public async Task Reading_a_missing_hash_gives_null()
    {
        Assert.Null(await RedisStateReader.ReadHashAsync(backend.Db, $"cc:agent:{_ns}:nobody"));
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class RedisStateOnRedisTests(RealRedisBackend backend) : RedisStateTests(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class RedisStateOnGarnetTests(GarnetBackend backend) : RedisStateTests(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class RedisStateOnRedisClusterTests(RedisClusterBackend backend) : RedisStateTests(backend);
