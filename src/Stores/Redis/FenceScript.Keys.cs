using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>How the fence names tombstones beside the agent keys, on one server and on a Redis Cluster.</summary>
internal static partial class FenceScript
{
    public static RedisKey TombstoneKey(string key) => key + TombstoneSuffix;

    /// <summary>
    /// The tombstone of <paramref name="key"/>, in the key's own slot when <paramref name="clustered"/>: <c>{key}:tomb</c>
    /// (its hash tag is the whole agent key, so it hashes like the key), or <c>key:tomb</c> when the key carries a hash
    /// tag of its own (the suffix does not change its slot), or, for a key holding a <c>}</c> but no hash tag (it cannot
    /// be wrapped), its slot's tag in front: <c>{tag}key:tomb</c>. On one server it is always <c>key:tomb</c>.
    /// </summary>
    public static RedisKey TombstoneKey(string key, bool clustered)
    {
        if (!clustered || ClusterSlots.HasHashTag(key))
            return key + TombstoneSuffix;
        return key.Contains('}', StringComparison.Ordinal)
            ? ClusterSlots.Tag(ClusterSlots.Of(key)) + key + TombstoneSuffix
            : "{" + key + "}" + TombstoneSuffix;
    }

    /// <summary>The agent key a tombstone key belongs to (any naming of <see cref="TombstoneKey(string, bool)"/>), or null
    /// when <paramref name="tombstone"/> is not one.</summary>
    public static string? KeyOfTombstone(string tombstone)
    {
        if (!tombstone.EndsWith(TombstoneSuffix, StringComparison.Ordinal))
            return null;
        var key = tombstone[..^TombstoneSuffix.Length];
        if (key.Length > 2 && key[0] == '{')
        {
            var close = key.IndexOf('}', StringComparison.Ordinal);
            if (close == key.Length - 1 && !ClusterSlots.HasHashTag(key[1..^1]) && !key[1..^1].Contains('}', StringComparison.Ordinal))
                return key[1..^1];
            var rest = key[(close + 1)..];
            if (close > 1 && rest.Contains('}', StringComparison.Ordinal) && !ClusterSlots.HasHashTag(rest) && key[..(close + 1)] == ClusterSlots.Tag(ClusterSlots.Of(rest)))
                return rest;
        }
        return key;
    }
}
