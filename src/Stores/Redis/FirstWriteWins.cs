using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// First-write-wins deduplication across pods: whoever sets <c>cc:dedup:{id}</c> first processes the message,
/// everyone else (including the winner receiving it again) drops it. One round trip.
/// </summary>
public static class FirstWriteWins
{
    /// <summary>Key prefix of the claims.</summary>
    public const string KeyPrefix = "cc:dedup:";

    /// <summary><c>SET cc:dedup:{id} owner NX PX ttl</c>: true when this call made the claim. <paramref name="ttl"/> must
    /// cover the longest replay/redelivery window, otherwise a late duplicate is processed again.</summary>
    public static Task<bool> TryClaimAsync(IDatabase db, string id, string owner, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromMilliseconds(1));
        return db.StringSetAsync(KeyPrefix + id, owner, ttl, When.NotExists);
    }
}
