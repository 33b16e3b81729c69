namespace ContactCenter.Topology.Processing;

/// <summary>
/// First-write-wins claims for deduplication. The runtime's implementation is one Redis
/// <c>SET {id} {pod} NX PX {ttl}</c>.
/// </summary>
internal interface IDedupStore
{
    /// <summary>True when this caller is the first to claim <paramref name="id"/> within <paramref name="ttl"/>.</summary>
    ValueTask<bool> TryClaimAsync(string id, TimeSpan ttl);
}
