using ContactCenter.Stores.Redis;
using FsCheck.Xunit;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// Coalescing changes nothing a reader can see: a batch applied write by write (a small model of the fence, written from
/// its specification) and the same batch coalesced by the writer and judged by <see cref="FenceRule"/> leave every key in
/// the same state, whatever the prior fence (none, a hash or a tombstone, from either partition), the order, the
/// duplicates, the tombstones and the timestamps (few values: ties and inversions within a partition happen), and
/// replays mixed in. The script's agreement with <see cref="FenceRule"/> is <c>FenceRuleTests</c>; the writer against
/// real Redis is <c>FencedWriterProperties</c> and <c>CrossPartitionFenceProperties</c>.
/// </summary>
[Trait("Kind", "Property")]
public sealed class WriteCoalescingProperties
{
    /// <summary>What a key holds: the fence of the write that produced it, and its fields (null: deleted).</summary>
    private sealed record State(int Partition, long Offset, long Timestamp, string? Fields);

    private static bool ModelApplies(State? held, AgentStateWrite w)
    {
        if (held is null)
            return true;
        if (w.Replay && held.Partition == w.Partition && held.Offset == w.Offset)
            return w.Fields is not null && (held.Fields is null || held.Fields != Describe(w) || held.Timestamp != w.SourceTimestampMs);
        return held.Partition == w.Partition ? w.Offset > held.Offset : w.SourceTimestampMs >= held.Timestamp;
    }

    private static string? Describe(AgentStateWrite w) => w.Fields?[0].Value;

    /// <summary>FsCheck's ints are small; spreading their bits lets every field of a write vary.</summary>
    private static int Spread(int draw) => (int)((uint)draw * 2654435761u >> 1);

    private static AgentStateWrite Write(int draw)
    {
        var v = Spread(draw);
        var key = v % 2;
        // Mostly partition 0, so that runs of one partition form, judged against fences from partition 1.
        var partition = v / 2 % 4 == 0 ? 1 : 0;
        var offset = v / 4 % 8;
        // A record (partition, offset) always has the same timestamp and kind, as in Kafka.
        var timestamp = 100 + (offset * 5 + partition * 3) % 4;
        var tombstone = (offset + partition) % 5 == 4;
        return new AgentStateWrite($"k{key}", partition, offset, tombstone ? null : [KeyValuePair.Create("from", $"p{partition}o{offset}")], timestamp)
        {
            Replay = v / 32 % 7 == 0,
        };
    }

    [Property(MaxTest = 3000)]
    public bool A_coalesced_batch_leaves_every_key_as_the_batch_applied_one_by_one(int[] draws, int prior0, int prior1)
    {
        var batch = draws.Select(Write).ToList();
        var start = new Dictionary<string, State?>
        {
            ["k0"] = Prior(prior0),
            ["k1"] = Prior(prior1),
        };

        var sequential = new Dictionary<string, State?>(start);
        foreach (var w in batch)
        {
            if (ModelApplies(sequential[w.Key], w))
                sequential[w.Key] = new State(w.Partition, w.Offset, w.SourceTimestampMs, Describe(w));
        }

        var coalesced = new Dictionary<string, State?>(start);
        var (writes, slotOf) = WriteCoalescing.Coalesce(batch);
        foreach (var (w, fenceTimestamp) in writes)
        {
            var held = coalesced[w.Key];
            var fence = held is null ? (Fence?)null : new Fence(held.Partition, held.Offset, held.Timestamp);
            var fields = held?.Fields is { } f ? new Dictionary<string, string> { ["from"] = f } : null;
            if (FenceRule.Applies(w, held?.Fields is null ? null : fence, held?.Fields is null ? fence : null, fields, fenceTimestamp))
                coalesced[w.Key] = new State(w.Partition, w.Offset, w.SourceTimestampMs, Describe(w));
        }

        // Every batch write is represented exactly once or superseded, and only live writes are ever superseded.
        var represented = slotOf.Where(s => s >= 0).Count() == writes.Count
            && slotOf.Select((s, i) => (s, i)).All(x => x.s >= 0 || !batch[x.i].Replay);
        // Compared as a reader sees a key: its fields, or nothing; and the fence it holds.
        return represented && start.Keys.All(k => sequential[k] == coalesced[k]);
    }

    private static State? Prior(int draw)
    {
        var v = Spread(draw);
        return (v % 3) switch
        {
            0 => null,
            1 => new State(v / 3 % 4 == 0 ? 0 : 1, v / 12 % 8, 100 + v / 96 % 4, "prior"),
            _ => new State(v / 3 % 4 == 0 ? 0 : 1, v / 12 % 8, 100 + v / 96 % 4, null),
        };
    }
}
