namespace ContactCenter.Topology.Processing;

/// <summary>
/// First-write-wins claims for deduplication. The runtime's implementation is one Redis script: set the claim when
/// absent, keep it when the same record holds it.
/// </summary>
internal interface IDedupStore
{
    /// <summary>
    /// True when the caller may process the record: it is the first to claim <paramref name="id"/> within
    /// <paramref name="ttl"/>, or <paramref name="record"/> (the record's identity, e.g. topic:partition:offset) is the
    /// one that claimed it before (a redelivery after a crash, which must not be dropped). A null
    /// <paramref name="record"/> is an anonymous claim: only the first call wins.
    /// </summary>
    ValueTask<bool> TryClaimAsync(string id, string? record, TimeSpan ttl);
}
