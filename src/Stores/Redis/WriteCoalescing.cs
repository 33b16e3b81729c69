namespace ContactCenter.Stores.Redis;

/// <summary>
/// What the writer sends for a batch: each key's run of writes that <see cref="FenceRule.Coalesce"/> lets one write stand
/// for becomes that one write (a burst of updates to one agent costs one fenced write, and the progress still covers
/// every offset, as the kept write has the highest).
/// </summary>
internal static class WriteCoalescing
{
    /// <summary>
    /// Keeps, of consecutive writes of one key in the batch, only the newest where <see cref="FenceRule.Coalesce"/> allows
    /// it; <c>slotOf[i]</c> is the script write that stands for batch write i, or -1 when a later one superseded it.
    /// </summary>
    public static (List<FenceWrite> Writes, int[] SlotOf) Coalesce(IReadOnlyList<AgentStateWrite> batch)
    {
        var writes = new List<FenceWrite>(batch.Count);
        var slotOf = new int[batch.Count];
        var batchIndexOf = new List<int>(batch.Count);
        var lastOfKey = new Dictionary<string, int>(batch.Count, StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            if (lastOfKey.TryGetValue(write.Key, out var slot)
                && FenceRule.Coalesce(writes[slot].Write, writes[slot].FenceTimestampMs, write, out var fenceTimestamp))
            {
                slotOf[batchIndexOf[slot]] = -1;
                writes[slot] = new FenceWrite(write, fenceTimestamp);
                batchIndexOf[slot] = i;
                slotOf[i] = slot;
                continue;
            }
            slotOf[i] = writes.Count;
            lastOfKey[write.Key] = writes.Count;
            batchIndexOf.Add(i);
            writes.Add(new FenceWrite(write));
        }
        return (writes, slotOf);
    }

}
