using System.Collections.Concurrent;
using ContactCenter.Topology.Processing;

namespace ContactCenter.Tests.Support;

/// <summary>An <see cref="IDedupStore"/> in process memory; expiry follows the given clock.</summary>
public sealed class InMemoryDedupStore(TimeProvider? clock = null) : IDedupStore
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, long> _expiries = new(StringComparer.Ordinal);

    /// <summary>Claims currently held (expired ones may linger until touched).</summary>
    public int Count => _expiries.Count;

    public ValueTask<bool> TryClaimAsync(string id, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(id);
        var now = _clock.GetUtcNow().UtcTicks;
        var expiry = now + ttl.Ticks;
        while (true)
        {
            if (_expiries.TryAdd(id, expiry)) return new ValueTask<bool>(true);
            if (!_expiries.TryGetValue(id, out var current)) continue;
            if (current > now) return new ValueTask<bool>(false);
            // Expired: take it over, unless another caller did so first.
            if (_expiries.TryUpdate(id, expiry, current)) return new ValueTask<bool>(true);
        }
    }
}
