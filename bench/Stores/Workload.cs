using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Stores;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Bench.Stores;

/// <summary>Sizes of one run (quick or full).</summary>
internal sealed record WorkloadSize(int Keys, int AggregateOpsPerThread, int PointReads, int RangeScans, int RangeWidth, int ValueSize)
{
    public static WorkloadSize Quick => new(Keys: 200_000, AggregateOpsPerThread: 400_000, PointReads: 400_000, RangeScans: 3, RangeWidth: 1000, ValueSize: 300);

    public static WorkloadSize Full => new(Keys: 1_000_000, AggregateOpsPerThread: 2_000_000, PointReads: 2_000_000, RangeScans: 3, RangeWidth: 1000, ValueSize: 300);
}

/// <summary>The operations timed by the store benchmark. Every operation is timed individually.</summary>
internal static class Workload
{
    /// <summary>Agent ids <c>agent-0000042</c>: zero-padded so key-byte order is numeric order. Keys i with i % stride == phase.</summary>
    public static Bytes[] Keys(int count, int stride = 1, int phase = 0)
    {
        var keys = new List<Bytes>(count / stride + 1);
        for (var i = phase; i < count; i += stride) keys.Add(Bytes.Wrap(Encoding.ASCII.GetBytes($"agent-{i:D7}")));
        return [.. keys];
    }

    public static byte[] Value(int size, long version)
    {
        var v = new byte[size];
        BinaryPrimitives.WriteInt64LittleEndian(v, version);
        v.AsSpan(8).Fill((byte)version);
        return v;
    }

    public static Latency Load(IKeyValueStore<Bytes, byte[]> store, Bytes[] keys, int valueSize)
    {
        var latency = new Latency();
        for (var i = 0; i < keys.Length; i++)
        {
            var value = Value(valueSize, i);
            var t0 = Stopwatch.GetTimestamp();
            store.Put(keys[i], value);
            latency.Record(t0, Stopwatch.GetTimestamp());
        }
        return latency;
    }

    /// <summary>The aggregate's access pattern: read the current aggregate, build a new one, write it back.</summary>
    public static Latency Aggregate(IKeyValueStore<Bytes, byte[]> store, Bytes[] keys, int ops, int valueSize, int seed)
    {
        var latency = new Latency();
        var rnd = new Random(seed);
        for (var i = 0; i < ops; i++)
        {
            var key = keys[rnd.Next(keys.Length)];
            var t0 = Stopwatch.GetTimestamp();
            var old = store.Get(key);
            // A new serialized aggregate per event, as a serializer would produce (stores may keep the array).
            var next = new byte[valueSize];
            if (old is not null) old.AsSpan(0, Math.Min(old.Length, valueSize)).CopyTo(next);
            BinaryPrimitives.WriteInt64LittleEndian(next, BinaryPrimitives.ReadInt64LittleEndian(next) + 1);
            store.Put(key, next);
            latency.Record(t0, Stopwatch.GetTimestamp());
        }
        return latency;
    }

    public static Latency PointReads(IKeyValueStore<Bytes, byte[]> store, Bytes[] keys, int reads, int seed)
    {
        var latency = new Latency();
        var rnd = new Random(seed);
        long found = 0;
        for (var i = 0; i < reads; i++)
        {
            var key = keys[rnd.Next(keys.Length)];
            var t0 = Stopwatch.GetTimestamp();
            if (store.Get(key) is not null) found++;
            latency.Record(t0, Stopwatch.GetTimestamp());
        }
        if (found != reads) throw new InvalidOperationException($"point reads found {found} of {reads} loaded keys");
        return latency;
    }

    public static Latency Ranges(IKeyValueStore<Bytes, byte[]> store, Bytes[] sortedKeys, int scans, int width, int seed)
    {
        var latency = new Latency();
        var rnd = new Random(seed);
        for (var i = 0; i < scans; i++)
        {
            var start = rnd.Next(sortedKeys.Length - width);
            var t0 = Stopwatch.GetTimestamp();
            var n = 0;
            using (var it = store.Range(sortedKeys[start], sortedKeys[start + width - 1]))
                while (it.MoveNext()) n++;
            latency.Record(t0, Stopwatch.GetTimestamp());
            if (n != width) throw new InvalidOperationException($"range returned {n} keys, expected {width}");
        }
        return latency;
    }

    public static Latency All(IKeyValueStore<Bytes, byte[]> store, int expected)
    {
        var latency = new Latency();
        var t0 = Stopwatch.GetTimestamp();
        var n = 0;
        foreach (var _ in store.All()) n++;
        latency.Record(t0, Stopwatch.GetTimestamp());
        if (n != expected) throw new InvalidOperationException($"All returned {n} keys, expected {expected}");
        return latency;
    }

    /// <summary>The changelog of a loaded store, produced lazily in consumer-sized batches (as the restore consumer hands them over).</summary>
    public static IEnumerable<List<ConsumeResult<byte[], byte[]>>> Changelog(TopicPartition tp, Bytes[] keys, int valueSize, int batchSize = 1000)
    {
        for (var start = 0; start < keys.Length; start += batchSize)
        {
            var batch = new List<ConsumeResult<byte[], byte[]>>(batchSize);
            for (var i = start; i < Math.Min(keys.Length, start + batchSize); i++)
                batch.Add(StandaloneStreamizTask.ChangelogRecord(tp, i, keys[i].Get, Value(valueSize, i)));
            yield return batch;
        }
    }
}
