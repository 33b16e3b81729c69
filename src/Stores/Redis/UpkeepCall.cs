using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// The fence script's upkeep section of a call (<see cref="FenceScript"/>, Upkeep), built once per writer: the ARGV
/// trailer describing the counts and the time-in-state field, and each count's key per slot.
/// </summary>
internal sealed class UpkeepCall
{
    private readonly AgentTableUpkeep _upkeep;
    private readonly RedisKey[] _single;
    private readonly Dictionary<int, RedisKey[]> _bySlot = new(); // the writer's loop only

    public UpkeepCall(AgentTableUpkeep upkeep)
    {
        _upkeep = upkeep;
        var args = new List<RedisValue> { upkeep.Counts.Count };
        foreach (var count in upkeep.Counts)
        {
            args.Add(count.Marker);
            args.Add(count.By.Count);
            args.AddRange(count.By.Select(b => (RedisValue)b));
        }
        args.Add(upkeep.TimeInStateField ?? string.Empty);
        var length = args.Count;
        args.Add(length);
        args.Add("c");
        Args = [.. args];
        _single = upkeep.Counts.Select(c => (RedisKey)c.Key).ToArray();
    }

    /// <summary>The ARGV trailer (the same for every call).</summary>
    public RedisValue[] Args { get; }

    /// <summary>The count keys of a call on one server: the counts' own keys.</summary>
    public RedisKey[] Keys() => _single;

    /// <summary>The count keys of a call on a Redis Cluster: each count's shard in <paramref name="slot"/>.</summary>
    public RedisKey[] Keys(int slot)
    {
        if (!_bySlot.TryGetValue(slot, out var keys))
        {
            keys = _upkeep.Counts.Select(c => (RedisKey)c.ShardKey(slot)).ToArray();
            _bySlot[slot] = keys;
        }
        return keys;
    }
}
