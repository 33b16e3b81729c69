using System.Collections.Concurrent;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// A stage's progress on a Redis Cluster, where one script call may only touch keys of one hash slot: each call records,
/// atomically with its writes, the highest offset it applied per partition in a progress key of the writes' own slot
/// (<c>{prefix}:{stage}:{partition}:{tag}</c>, <see cref="ClusterSlots.Tag"/>), and remembers per (partition, slot) the
/// highest offset it saw acknowledged: the floor below which that key must never go (the fence's regressed check, per
/// slot). Resume positions stay in the plain <c>{prefix}:{stage}:{partition}</c> keys, raised only after a whole batch
/// was acknowledged. Written by the writer's loop, read also by its check after a topology change.
/// </summary>
internal sealed class ClusterProgress(string prefix, string stage)
{
    private readonly ConcurrentDictionary<long, RedisKey> _keys = new();
    private readonly ConcurrentDictionary<long, long> _floors = new();

    /// <summary>The progress key of <paramref name="partition"/> in <paramref name="slot"/>.</summary>
    public RedisKey Key(int partition, int slot)
    {
        var id = Id(partition, slot);
        if (!_keys.TryGetValue(id, out var key))
        {
            key = $"{prefix}:{stage}:{ClusterSlots.Decimal(partition)}:{ClusterSlots.Tag(slot)}";
            _keys[id] = key;
        }
        return key;
    }

    /// <summary>The highest offset of <paramref name="partition"/> acknowledged in <paramref name="slot"/>, or null.</summary>
    public long? Floor(int partition, int slot) => _floors.TryGetValue(Id(partition, slot), out var floor) ? floor : null;

    /// <summary>Records that Redis acknowledged <paramref name="offset"/> of <paramref name="partition"/> in <paramref name="slot"/>.</summary>
    public void Acknowledge(int partition, int slot, long offset)
    {
        _floors.AddOrUpdate(Id(partition, slot), offset, (_, floor) => Math.Max(floor, offset));
    }

    /// <summary>Every (partition, slot) this writer saw acknowledged, with its progress key and floor.</summary>
    public IEnumerable<(int Partition, RedisKey Key, long Floor)> Floors()
    {
        foreach (var (id, floor) in _floors)
        {
            var partition = (int)(id >> 16);
            yield return (partition, Key(partition, (int)(id & 0xFFFF)), floor);
        }
    }

    private static long Id(int partition, int slot) => ((long)partition << 16) | (uint)slot;
}
