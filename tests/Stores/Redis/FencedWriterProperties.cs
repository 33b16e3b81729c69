using ContactCenter.Stores.Redis;
using FsCheck.Xunit;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// Model-based properties of the fence: whatever order, duplication and batching the writes arrive in, Redis ends up
/// with, for every key, the state of the record with the highest offset (or no hash when that record is a
/// tombstone), and the stage's progress per partition is the highest offset written.
/// </summary>
/// <remarks>
/// Each generated int is one delivery of a record: it picks the key (3 keys over 2 partitions, like a keyed topic),
/// the record's position in its partition, and whether the record is a tombstone. A record is identified by its
/// (partition, offset) and is the same every time it is delivered, as in Kafka. FsCheck shrinks the int list to a
/// minimal failing delivery sequence.
/// </remarks>
public abstract class FencedWriterProperties(RedisBackend backend)
{
    private const int Keys = 3;
    private const int Partitions = 2;

    private sealed record Record(int Key, int Partition, long Offset, bool Tombstone)
    {
        // Field count varies with the offset so that a newer state with fewer fields proves the hash was replaced.
        public KeyValuePair<string, string>[]? Fields => Tombstone
            ? null
            : Enumerable.Range(0, 1 + (int)(Offset % 3))
                .Select(i => KeyValuePair.Create($"f{i}", $"k{Key}-o{Offset}-{i}"))
                .ToArray();
    }

    private static List<Record> Deliveries(int[] draws)
    {
        var firstSeen = new Dictionary<(int, long), Record>();
        var deliveries = new List<Record>(draws.Length);
        foreach (var draw in draws)
        {
            var v = draw & int.MaxValue;
            var key = v % Keys;
            var position = v / Keys % 12;
            var tombstone = v / (Keys * 12) % 4 == 0;
            var partition = key % Partitions;
            // Unique offset per (partition, key, position): one offset is one record.
            var offset = position * Keys + key;
            if (!firstSeen.TryGetValue((partition, offset), out var record))
                firstSeen[(partition, offset)] = record = new Record(key, partition, offset, tombstone);
            deliveries.Add(record);
        }
        return deliveries;
    }

    private async Task<bool> MatchesModelAsync(string ns, string stage, List<Record> deliveries)
    {
        for (var key = 0; key < Keys; key++)
        {
            var newest = deliveries.Where(r => r.Key == key).MaxBy(r => r.Offset);
            var expected = newest?.Fields?.ToDictionary(f => f.Key, f => f.Value);
            var actual = await RedisStateReader.ReadHashAsync(backend.Db, $"cc:agent:{ns}:{key}");
            if (expected is null ? actual is not null : actual is null || !expected.OrderBy(e => e.Key).SequenceEqual(actual.OrderBy(e => e.Key)))
                return false;
        }

        var expectedOffsets = deliveries.GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Max(r => r.Offset));
        var offsets = await RedisStateReader.ReadOffsetsAsync(backend.Db, stage);
        return expectedOffsets.OrderBy(e => e.Key).SequenceEqual(offsets.OrderBy(e => e.Key));
    }

    private static AgentStateWrite ToWrite(string ns, Record r) =>
        new($"cc:agent:{ns}:{r.Key}", r.Partition, r.Offset, r.Fields, SourceTimestampMs: 1_000 + r.Offset);

    // FsCheck runs properties synchronously and waits on the returned task; Task.Run keeps the Redis round trips
    // off xunit's synchronization context so that wait cannot starve them.
    [Property(MaxTest = 60)]
    public Task<bool> Highest_offset_per_key_wins_whatever_the_delivery_order(int[] draws, byte batchSize) =>
        Task.Run(async () =>
        {
            var ns = Guid.NewGuid().ToString("N");
            var stage = $"prop-{ns}";
            var deliveries = Deliveries(draws);
            await using (var writer = new FencedStateWriter(backend.Redis, stage, new FencedWriterOptions { MaxBatch = 1 + batchSize % 5 }))
            {
                foreach (var record in deliveries)
                    await writer.WriteAsync(ToWrite(ns, record));
                await writer.FlushAsync();
            }
            return await MatchesModelAsync(ns, stage, deliveries);
        });

    // Two pods (or a replay next to the live stage) writing the same records concurrently, each in its own order:
    // the script must be atomic on the server for this to hold.
    [Property(MaxTest = 30)]
    public Task<bool> Concurrent_writers_converge_on_the_model(int[] draws, int[] otherOrder) =>
        Task.Run(async () =>
        {
            var ns = Guid.NewGuid().ToString("N");
            var stage = $"prop-{ns}";
            var deliveries = Deliveries(draws);
            var shuffled = deliveries
                .Select((record, i) => (record, rank: otherOrder.Length == 0 ? -i : otherOrder[i % otherOrder.Length] ^ i))
                .OrderBy(x => x.rank)
                .Select(x => x.record)
                .ToList();

            async Task RunWriterAsync(IEnumerable<Record> records)
            {
                await using var writer = new FencedStateWriter(backend.Redis, stage, new FencedWriterOptions { MaxBatch = 2 });
                foreach (var record in records)
                    await writer.WriteAsync(ToWrite(ns, record));
                await writer.FlushAsync();
            }

            await Task.WhenAll(RunWriterAsync(deliveries), RunWriterAsync(shuffled));
            return await MatchesModelAsync(ns, stage, deliveries);
        });
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedWriterPropertiesOnRedis(RealRedisBackend backend) : FencedWriterProperties(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedWriterPropertiesOnGarnet(GarnetBackend backend) : FencedWriterProperties(backend);

/// <summary>
/// The fence's every branch against a sequential model written from its specification, not from the script: the same
/// key written from two partitions (a repartition or a replay from another topic), where offsets do not compare and
/// the source timestamp decides (a later or equal timestamp wins); tombstones and their fence; replays of the same
/// record; and the stage's progress per partition. A record is one (partition, offset) and always has the same key,
/// timestamp and kind, as in Kafka; deliveries come in any order, duplicated.
/// </summary>
public abstract class CrossPartitionFenceProperties(RedisBackend backend)
{
    private sealed record Record(int Partition, long Offset)
    {
        public int Key => (int)((Offset + Partition) % 3); // every key is written from both partitions
        public long Timestamp => 1_000 + (Offset * 7 + Partition * 4) % 9; // few values: ties and inversions happen
        public bool Tombstone => (Offset + Partition) % 4 == 3;
        public KeyValuePair<string, string>[]? Fields => Tombstone ? null : [KeyValuePair.Create("from", $"p{Partition}o{Offset}")];
    }

    /// <summary>What one key holds in the model: the live hash's origin, or the tombstone fence's, or nothing.</summary>
    private sealed record Fence(int Partition, long Offset, long Timestamp, bool Deleted, string? From);

    private static Dictionary<int, Fence> Model(IEnumerable<Record> deliveries, Dictionary<int, long> progress)
    {
        var state = new Dictionary<int, Fence>();
        foreach (var r in deliveries)
        {
            progress[r.Partition] = Math.Max(progress.GetValueOrDefault(r.Partition, -1), r.Offset);
            var applies = !state.TryGetValue(r.Key, out var fence)
                || (fence.Partition == r.Partition ? r.Offset > fence.Offset : r.Timestamp >= fence.Timestamp);
            if (applies)
                state[r.Key] = new Fence(r.Partition, r.Offset, r.Timestamp, r.Tombstone, r.Fields?[0].Value);
        }
        return state;
    }

    [Property(MaxTest = 80)]
    public Task<bool> Cross_partition_writes_tombstones_and_replays_follow_the_model(int[] draws, byte batchSize) =>
        Task.Run(async () =>
        {
            var ns = Guid.NewGuid().ToString("N");
            var stage = $"xprop-{ns}";
            var deliveries = draws.Select(d => new Record(d & 1, (d >> 1 & int.MaxValue) % 10)).ToList();
            await using (var writer = new FencedStateWriter(backend.Redis, stage, new FencedWriterOptions { MaxBatch = 1 + batchSize % 4 }))
            {
                foreach (var r in deliveries)
                    await writer.WriteAsync(new AgentStateWrite($"cc:agent:{ns}:{r.Key}", r.Partition, r.Offset, r.Fields, r.Timestamp));
                await writer.FlushAsync();
            }

            var progress = new Dictionary<int, long>();
            var model = Model(deliveries, progress);
            for (var key = 0; key < 3; key++)
            {
                var hash = await RedisStateReader.ReadHashAsync(backend.Db, $"cc:agent:{ns}:{key}");
                var expected = model.TryGetValue(key, out var fence) && !fence.Deleted ? fence.From : null;
                if (hash?.GetValueOrDefault("from") != expected || (hash is not null && hash.Count != 1))
                    return false;
                var tomb = (string?)await backend.Db.StringGetAsync(FenceScript.TombstoneKey($"cc:agent:{ns}:{key}", ClusterSlots.IsCluster(backend.Redis)));
                var expectedTomb = fence is { Deleted: true } ? $"{fence.Partition}:{fence.Offset}:{fence.Timestamp}" : null;
                if (tomb != expectedTomb)
                    return false;
            }
            var offsets = await RedisStateReader.ReadOffsetsAsync(backend.Db, stage);
            return progress.OrderBy(e => e.Key).SequenceEqual(offsets.OrderBy(e => e.Key));
        });
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class CrossPartitionFencePropertiesOnRedis(RealRedisBackend backend) : CrossPartitionFenceProperties(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class CrossPartitionFencePropertiesOnGarnet(GarnetBackend backend) : CrossPartitionFenceProperties(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedWriterPropertiesOnRedisCluster(RedisClusterBackend backend) : FencedWriterProperties(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class CrossPartitionFencePropertiesOnRedisCluster(RedisClusterBackend backend) : CrossPartitionFenceProperties(backend);
