using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// First-write-wins deduplication across pods: whoever sets <c>cc:dedup:{id}</c> first processes the message,
/// everyone else drops it. One round trip (two when the claim exists already), no script.
/// </summary>
/// <remarks>
/// A claim made for a Kafka record holds the record's identity (topic, partition, offset) as its owner, so that the
/// claim belongs to the record, not to the pod that happened to read it: when the pod dies between the claim and the
/// acknowledged write the claim guards, the redelivered record (same identity, on this pod or another) finds its own
/// claim and is processed again, while every other record with the same id is still dropped. A claim keyed by pod
/// would instead hide the redelivered record until the claim expired, and its effect would never happen.
/// </remarks>
public static class FirstWriteWins
{
    /// <summary>Key prefix of the claims.</summary>
    public const string KeyPrefix = "cc:dedup:";

    /// <summary><c>SET cc:dedup:{id} owner NX PX ttl</c>: true when this call made the claim. <paramref name="ttl"/> must
    /// cover the longest replay/redelivery window, otherwise a late duplicate is processed again.</summary>
    public static Task<bool> TryClaimAsync(IDatabase db, string id, string owner, TimeSpan ttl)
    {
        Check(db, id, owner, ttl);
        return db.StringSetAsync(KeyPrefix + id, owner, ttl, When.NotExists);
    }

    /// <summary>
    /// Claims <paramref name="id"/> for the record <paramref name="record"/> (its identity, e.g. <c>topic:partition:offset</c>):
    /// true when the claim is new or already held by the same record (a redelivery), false when another record holds it.
    /// A claim found again keeps its first expiry.
    /// </summary>
    public static async Task<bool> TryClaimForRecordAsync(IDatabase db, string id, string record, TimeSpan ttl)
    {
        Check(db, id, record, ttl);
        var key = KeyPrefix + id;
        // No script: SET NX is the claim, one native command on the common path. Nobody ever overwrites a claim, so
        // when it exists, reading its holder answers whether it is this record's. Only an expiry between the two
        // commands sends us round again.
        while (true)
        {
            if (await db.StringSetAsync(key, record, ttl, When.NotExists).ConfigureAwait(false))
                return true;
            var held = await db.StringGetAsync(key).ConfigureAwait(false);
            if (held.HasValue)
                return held == record;
        }
    }

    private static void Check(IDatabase db, string id, string owner, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromMilliseconds(1));
    }
}
