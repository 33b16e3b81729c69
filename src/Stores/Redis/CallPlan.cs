namespace ContactCenter.Stores.Redis;

/// <summary>
/// How one batch's coalesced writes are cut into fence-script calls: on one server, runs of up to the call size in batch
/// order; on a Redis Cluster, grouped by hash slot first (a call may touch one slot only), each key's writes still in
/// batch order, since a key never leaves its slot.
/// </summary>
internal sealed class CallPlan
{
    private readonly int[]? _origin;

    private CallPlan(FenceWrite[] writes, int[]? origin, (int First, int Count, int HashSlot)[] calls)
    {
        Writes = writes;
        _origin = origin;
        Calls = calls;
    }

    /// <summary>The writes in the order the calls take them.</summary>
    public FenceWrite[] Writes { get; }

    /// <summary>Each call: its first write in <see cref="Writes"/>, how many, and their hash slot (-1 on one server).</summary>
    public (int First, int Count, int HashSlot)[] Calls { get; }

    /// <summary>Index in the coalesced list of <see cref="Writes"/>[<paramref name="index"/>].</summary>
    public int Origin(int index) => _origin is null ? index : _origin[index];

    public static CallPlan Single(List<FenceWrite> writes, int callSize)
    {
        var calls = new (int, int, int)[(writes.Count + callSize - 1) / callSize];
        for (var c = 0; c < calls.Length; c++)
            calls[c] = (c * callSize, Math.Min(callSize, writes.Count - c * callSize), -1);
        return new CallPlan(writes.ToArray(), null, calls);
    }

    public static CallPlan BySlot(List<FenceWrite> writes, int callSize)
    {
        var count = writes.Count;
        var slots = new int[count];
        var order = new long[count];
        for (var i = 0; i < count; i++)
        {
            slots[i] = ClusterSlots.Of(writes[i].Write.Key);
            order[i] = (long)slots[i] * count + i; // unique sort keys: stable within a slot
        }
        Array.Sort(order);
        var origin = new int[count];
        var ordered = new FenceWrite[count];
        var calls = new List<(int, int, int)>();
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            origin[i] = (int)(order[i] % count);
            ordered[i] = writes[origin[i]];
            var slot = slots[origin[i]];
            var last = i == count - 1 || slots[(int)(order[i + 1] % count)] != slot || i - start + 1 == callSize;
            if (last)
            {
                calls.Add((start, i - start + 1, slot));
                start = i + 1;
            }
        }
        return new CallPlan(ordered, origin, calls.ToArray());
    }
}
