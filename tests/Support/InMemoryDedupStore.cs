using System.Collections.Concurrent;
using ContactCenter.Topology.Processing;

namespace ContactCenter.Tests.Support;

/// <summary>An <see cref="IDedupStore"/> in process memory; expiry follows the given clock.</summary>
public sealed class InMemoryDedupStore(TimeProvider? clock = null) : IDedupStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, (long Expiry, string? Owner)> _claims = new(StringComparer.Ordinal);

    /// <summary>Claims currently held (expired ones may linger until touched).</summary>
    public int Count => _claims.Count;

    public ValueTask<bool> TryClaimAsync(string id, string? record, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(id);
        var now = _clock.GetUtcNow().UtcTicks;
        var claim = (now + ttl.Ticks, record);
        while (true)
        {
            if (_claims.TryAdd(id, claim)) return new ValueTask<bool>(true);
            if (!_claims.TryGetValue(id, out var current)) continue;
            if (current.Expiry > now) return new ValueTask<bool>(record is not null && current.Owner == record);
            // Expired: take it over, unless another caller did so first.
            if (_claims.TryUpdate(id, claim, current)) return new ValueTask<bool>(true);
        }
    }
}
