using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// Redis Cluster's key-to-slot rule (CRC16/XMODEM of the key, or of its hash tag, modulo 16384) and, for every slot, a
/// short hash tag that lands in it: an internal key written atomically with an agent hash (its progress record, its
/// tombstone) must live in the agent key's slot, and the agent key itself keeps the name the topology gave it.
/// </summary>
public static class ClusterSlots
{
    /// <summary>Slots of a Redis Cluster.</summary>
    public const int Count = 16384;

    private static readonly ushort[] Table = BuildTable();
    private static readonly Lazy<string[]> Tags = new(BuildTags);

    /// <summary>Whether <paramref name="redis"/> is connected to a Redis Cluster (cluster mode enabled on its servers).</summary>
    public static bool IsCluster(IConnectionMultiplexer redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        foreach (var server in redis.GetServers())
        {
            if (server.ServerType == ServerType.Cluster)
                return true;
        }
        return false;
    }

    /// <summary>The slot of <paramref name="key"/> (UTF-8), honouring a hash tag: the text between the first <c>{</c> and the
    /// first <c>}</c> after it, when that text is not empty.</summary>
    public static int Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        var rented = max <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        Span<byte> buffer = rented ?? stackalloc byte[max];
        try
        {
            var length = Encoding.UTF8.GetBytes(key, buffer);
            return Of(buffer[..length]);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The slot of a key given as bytes.</summary>
    public static int Of(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
                key = key.Slice(open + 1, close);
        }
        return Crc16(key) & (Count - 1);
    }

    /// <summary>True when <paramref name="key"/> carries a hash tag (its slot is that of the tag, not of the whole key).</summary>
    public static bool HasHashTag(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        return open >= 0 && key.IndexOf('}', open + 1) > open + 1;
    }

    /// <summary>A hash tag, braces included (e.g. <c>{7a}</c>), whose keys all land in <paramref name="slot"/>.</summary>
    public static string Tag(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Count);
        return Tags.Value[slot];
    }

    internal static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data)
            crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xFF]);
        return crc;
    }

    private static ushort[] BuildTable()
    {
        // CRC-16/XMODEM: polynomial 0x1021, initial value 0, no reflection (what Redis Cluster uses).
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            table[i] = crc;
        }
        return table;
    }

    private static string[] BuildTags()
    {
        // The shortest base-36 strings, in order, until every slot has one: deterministic, so every pod and every
        // reader names a slot's internal keys alike. About 40k candidates cover all 16384 slots.
        var tags = new string?[Count];
        var found = 0;
        Span<byte> bytes = stackalloc byte[16];
        for (long n = 0; found < Count; n++)
        {
            var text = ToBase36(n);
            var length = Encoding.ASCII.GetBytes(text, bytes);
            var slot = Crc16(bytes[..length]) & (Count - 1);
            if (tags[slot] is null)
            {
                tags[slot] = "{" + text + "}";
                found++;
            }
        }
        return tags!;
    }

    private static string ToBase36(long n)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        if (n == 0) return "0";
        var chars = new Stack<char>();
        for (; n > 0; n /= 36) chars.Push(digits[(int)(n % 36)]);
        return string.Create(chars.Count, chars, (span, stack) => { for (var i = 0; i < span.Length; i++) span[i] = stack.Pop(); });
    }

    /// <summary>Invariant-culture decimal, for key names built from numbers.</summary>
    internal static string Decimal(int value) => value.ToString(CultureInfo.InvariantCulture);
}
