using System.Buffers.Binary;
using System.Numerics;

namespace ContactCenter.Broker.Log;

/// <summary>CRC-32C (Castagnoli), the checksum of record batch v2, on the CPU's CRC32 instruction where present.</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
