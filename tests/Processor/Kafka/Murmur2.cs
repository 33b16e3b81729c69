namespace ContactCenter.Tests.Processor.Kafka;

/// <summary>
/// Java's Kafka default partitioner for keyed records (murmur2, positive hash modulo partition count), written
/// from the algorithm's description so tests can check that our producers place keys where Java clients would.
/// </summary>
internal static class Murmur2
{
    public static int Partition(ReadOnlySpan<byte> key, int partitions) => (int)((Hash(key) & 0x7fffffff) % (uint)partitions);

    public static uint Hash(ReadOnlySpan<byte> data)
    {
        const uint m = 0x5bd1e995;
        const int r = 24;
        var h = 0x9747b28cu ^ (uint)data.Length;
        var whole = data.Length & ~3;
        for (var i = 0; i < whole; i += 4)
        {
            var k = (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            k *= m;
            k ^= k >> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        var tail = data.Length & 3;
        if (tail == 3) h ^= (uint)data[whole + 2] << 16;
        if (tail >= 2) h ^= (uint)data[whole + 1] << 8;
        if (tail >= 1)
        {
            h ^= data[whole];
            h *= m;
        }
        h ^= h >> 13;
        h *= m;
        h ^= h >> 15;
        return h;
    }
}
