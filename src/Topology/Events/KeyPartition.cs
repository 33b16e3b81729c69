namespace ContactCenter.Topology.Events;

/// <summary>
/// Where a keyed record belongs: murmur2 of the key bytes, made positive, modulo the partition count. It is the rule of
/// Java's default partitioner, of Kafka Streams and of librdkafka's <c>murmur2_random</c>, which every producer of this
/// engine uses, so sources produced that way are co-partitioned by key. librdkafka's own default (CRC32,
/// <c>consistent_random</c>, and so Confluent.Kafka's and kcat's) places the same key elsewhere.
/// </summary>
public static class KeyPartition
{
    /// <summary>The partition of <paramref name="key"/> among <paramref name="partitions"/>.</summary>
    public static int Of(ReadOnlySpan<byte> key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        return (int)(((uint)Murmur2(key) & 0x7fffffffu) % (uint)partitions);
    }

    /// <summary>Murmur2 with the seed and mixing constants of Kafka's Java client (its <c>Utils.murmur2</c>, signed).</summary>
    public static int Murmur2(ReadOnlySpan<byte> data)
    {
        const uint M = 0x5bd1e995;
        var hash = 0x9747b28cu ^ (uint)data.Length;
        var blocks = data.Length / 4;
        for (var b = 0; b < blocks; b++)
        {
            var block = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(b * 4, 4)) * M;
            block ^= block >> 24;
            hash = (hash * M) ^ (block * M);
        }
        var rest = data[(blocks * 4)..];
        switch (rest.Length)
        {
            case 3:
                hash ^= (uint)rest[2] << 16;
                goto case 2;
            case 2:
                hash ^= (uint)rest[1] << 8;
                goto case 1;
            case 1:
                hash = (hash ^ rest[0]) * M;
                break;
        }
        hash ^= hash >> 13;
        hash *= M;
        return (int)(hash ^ (hash >> 15));
    }
}
