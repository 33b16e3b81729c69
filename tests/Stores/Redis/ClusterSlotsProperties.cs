using ContactCenter.Stores.Redis;
using FsCheck.Xunit;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// How a batch is cut into calls on a Redis Cluster (<see cref="CallPlan.BySlot"/>), against its specification: every
/// write is in exactly one call, a call holds at most the call size and one slot only, and each key's writes keep their
/// batch order (a key never leaves its slot, so the fence sees them as the batch had them).
/// </summary>
[Trait("Kind", "Property")]
public sealed class ClusterSlotsProperties
{
    [Property(MaxTest = 300)]
    public bool Calls_cover_every_write_once_one_slot_each_in_batch_order_per_key(int[] draws, byte size)
    {
        var callSize = 1 + size % 8;
        var writes = (draws ?? []).Select((d, i) => new FenceWrite(new AgentStateWrite($"cc:agent:k{Math.Abs(d % 12)}", 0, i, [new("f", "v")], i))).ToList();
        var plan = CallPlan.BySlot(writes, callSize);

        var seen = new List<int>();
        foreach (var (first, count, slot) in plan.Calls)
        {
            if (count < 1 || count > callSize) return false;
            for (var i = first; i < first + count; i++)
            {
                if (ClusterSlots.Of(plan.Writes[i].Write.Key) != slot) return false;
                if (!ReferenceEquals(plan.Writes[i].Write, writes[plan.Origin(i)].Write)) return false;
                seen.Add(plan.Origin(i));
            }
        }
        if (!seen.Order().SequenceEqual(Enumerable.Range(0, writes.Count))) return false;
        // Per key, the offsets (= batch positions) rise in call order.
        return plan.Writes.GroupBy(w => w.Write.Key).All(g => g.Select(w => w.Write.Offset).SequenceEqual(g.Select(w => w.Write.Offset).Order()));
    }

    [Fact]
    public void Every_slot_has_a_tag_that_lands_in_it()
    {
        for (var slot = 0; slot < ClusterSlots.Count; slot++)
            Assert.Equal(slot, ClusterSlots.Of("cc:offsets:stage:3:" + ClusterSlots.Tag(slot)));
    }

    [Theory]
    [InlineData("cc:agent:a1", false)]
    [InlineData("cc:agent:{a1}", true)]
    [InlineData("cc:agent:{}x", false)]
    [InlineData("a}b", false)]
    public void A_tombstone_lands_in_its_hash_slot_whatever_the_key(string key, bool tagged)
    {
        Assert.Equal(tagged, ClusterSlots.HasHashTag(key));
        var tomb = (string)FenceScript.TombstoneKey(key, clustered: true)!;
        Assert.Equal(ClusterSlots.Of(key), ClusterSlots.Of(tomb));
        Assert.Equal(key, FenceScript.KeyOfTombstone(tomb));
        Assert.Equal(key + ":tomb", (string)FenceScript.TombstoneKey(key, clustered: false)!);
    }
}

/// <summary>Our slot rule agrees with the server's (<c>CLUSTER KEYSLOT</c>) on a real Redis Cluster.</summary>
[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class ClusterSlotsOnRedisClusterTests(RedisClusterBackend backend)
{
    [Fact]
    public async Task The_slot_of_a_key_is_the_one_Redis_computes()
    {
        string[] keys = ["cc:agent:a1", "cc:agent:{a1}", "{cc:agent:a1}:tomb", "x{}y", "{}", "ü-agent", "cc:offsets:s:0:" + ClusterSlots.Tag(16383), ""];
        foreach (var key in keys)
        {
            var server = await ContactCenter.Testing.RedisTopologyProcess.CliAsync("-p", backend.Topology.Primaries[0].ToString(System.Globalization.CultureInfo.InvariantCulture), "cluster", "keyslot", key);
            Assert.Equal(int.Parse(server.Trim(), System.Globalization.CultureInfo.InvariantCulture), ClusterSlots.Of(key));
        }
        Assert.True(ClusterSlots.IsCluster(backend.Redis));
    }
}
