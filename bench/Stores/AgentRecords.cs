using System.Buffers.Binary;
using System.Buffers.Text;
using System.Buffers;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// Keys and values of the aggregate workload. Keys are "agent-" + 10 zero-padded digits (16 bytes), so
/// byte order = index order and a range of consecutive indices is a range of consecutive keys. A value
/// is a fixed-size aggregate: version (8 bytes), timestamp (8), then filler that does not compress
/// (a real serialized aggregate compresses somewhat; incompressible filler does not flatter RocksDB).
/// </summary>
internal static class AgentRecords
{
    public const int KeyBytes = 16;
    private static readonly StandardFormat TenDigits = new('D', 10);

    /// <summary>A fresh key array, as a deserializer hands it to the processor.</summary>
    public static byte[] Key(long index)
    {
        var key = new byte[KeyBytes];
        "agent-"u8.CopyTo(key);
        Utf8Formatter.TryFormat(index, key.AsSpan(6), out _, TenDigits);
        return key;
    }

    public static byte[] InitialValue(long index, int size)
    {
        var value = new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(value, 1);
        var state = (ulong)index * 0x9E3779B97F4A7C15UL + 1;
        for (var i = 16; i < size; i++)
        {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            value[i] = (byte)state;
        }
        return value;
    }

    public static long Version(byte[] value) => BinaryPrimitives.ReadInt64LittleEndian(value);

    /// <summary>The aggregate step: a new array (what serializing the updated aggregate produces) with the version bumped.</summary>
    public static byte[] NextVersion(byte[] old, long timestamp)
    {
        var next = old.AsSpan().ToArray();
        BinaryPrimitives.WriteInt64LittleEndian(next, Version(old) + 1);
        BinaryPrimitives.WriteInt64LittleEndian(next.AsSpan(8), timestamp);
        return next;
    }
}

/// <summary>Cheap deterministic per-thread random (xorshift64*): System.Random's seeded path would cost more than the in-memory store's Get.</summary>
internal struct FastRandom(ulong seed)
{
    private ulong state = seed == 0 ? 0x2545F4914F6CDD1DUL : seed;

    public int Next(int exclusiveMax)
    {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27;
        return (int)(((state * 0x2545F4914F6CDD1DUL) >> 32) * (ulong)exclusiveMax >> 32);
    }
}
