using System.Globalization;
using ContactCenter.Stores.Redis;
using ContactCenter.Stores.Snapshots;
using FsCheck.Xunit;
using StackExchange.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// Grouped counts are exact whatever happens to the deliveries: generated histories of agent records delivered in
/// batches, with crashes (a batch applied, then delivered again by a restarted writer), replays from an earlier offset
/// (<see cref="AgentStateWrite.Replay"/>, as <c>contactcenter replay</c> writes) and Redis losing everything of the
/// stage followed by a rebuild from the start of the log or by loading a snapshot file. After every step the count in Redis equals a recount made by
/// scanning the agent hashes (HGETALL of each, grouped by tenant and status), which never calls the code under test.
/// </summary>
public abstract class GroupCountProperties(RedisBackend backend)
{
    private const int Agents = 5;
    private const int Partitions = 2;
    private static readonly string[] Tenants = ["t1", "t2"];
    private static readonly string[] Statuses = ["AVAILABLE", "ON_CALL", "WRAP_UP"];

    private sealed record Record(int Agent, int Partition, long Offset, KeyValuePair<string, string>[]? Fields);

    /// <summary>One step of a history, drawn from a generated int (which seeds the step's own random choices, so
    /// that small generated values still give every kind of record and step).</summary>
    private enum Step { Deliver, Crash, Replay, Loss, Snapshot }

    private static Step StepOf(Random rng) => rng.Next(10) switch
    {
        < 5 => Step.Deliver,
        < 7 => Step.Crash,
        7 => Step.Replay,
        8 => Step.Loss,
        _ => Step.Snapshot,
    };

    /// <summary>A new record for an agent: a tombstone, or fields with a tenant and maybe a status.</summary>
    private static KeyValuePair<string, string>[]? FieldsOf(Random rng)
    {
        if (rng.Next(7) == 0) return null;
        var fields = new List<KeyValuePair<string, string>> { new("name", "n" + rng.Next(3)), new("tenant", Tenants[rng.Next(Tenants.Length)]) };
        if (rng.Next(5) != 0) fields.Add(new("status", Statuses[rng.Next(Statuses.Length)]));
        return [.. fields];
    }

    private sealed class History(string ns)
    {
        public readonly List<Record> Log = [];
        public readonly long[] Next = new long[Partitions];
        public List<Record> LastBatch = [];

        public string Key(int agent) => $"cc:agent:{ns}-{agent}";

        public Record Append(Random rng)
        {
            var agent = rng.Next(Agents);
            var partition = agent % Partitions;
            var record = new Record(agent, partition, Next[partition]++, FieldsOf(rng));
            Log.Add(record);
            return record;
        }
    }

    private async Task WriteAsync(string stage, GroupCount count, History history, IEnumerable<Record> records, bool replay, int batch)
    {
        await using var writer = new FencedStateWriter(backend.Redis, stage, new FencedWriterOptions
        {
            MaxBatch = batch,
            Upkeep = new AgentTableUpkeep([count]),
        });
        foreach (var r in records)
            await writer.WriteAsync(new AgentStateWrite(history.Key(r.Agent), r.Partition, r.Offset, r.Fields, 1_000 + r.Offset) { Replay = replay });
        await writer.FlushAsync();
    }

    /// <summary>The model: HGETALL of every agent hash, counted by (tenant, status) where both are present.</summary>
    private async Task<SortedDictionary<string, long>> RecountAsync(History history)
    {
        var expected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var agent = 0; agent < Agents; agent++)
        {
            var hash = (await backend.Db.HashGetAllAsync(history.Key(agent))).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
            if (hash.TryGetValue("tenant", out var tenant) && hash.TryGetValue("status", out var status) && tenant.Length > 0 && status.Length > 0)
                expected[tenant + "|" + status] = expected.GetValueOrDefault(tenant + "|" + status) + 1;
        }
        return expected;
    }

    private async Task LoseEverythingAsync(string stage, GroupCount count, History history)
    {
        var clustered = ClusterSlots.IsCluster(backend.Redis);
        var keys = new List<RedisKey>();
        for (var agent = 0; agent < Agents; agent++)
        {
            keys.Add(history.Key(agent));
            keys.Add(FenceScript.TombstoneKey(history.Key(agent), clustered));
            if (clustered) keys.Add(count.ShardKey(ClusterSlots.Of(history.Key(agent))));
        }
        keys.Add(count.Key);
        for (var p = 0; p < Partitions; p++)
            keys.Add(FenceScript.OffsetsKey("cc:offsets", stage, p));
        foreach (var key in keys)
            await backend.Db.KeyDeleteAsync(key); // one by one: on a cluster the keys live in many slots
        if (clustered)
        {
            // The cluster's per-slot progress keys of the stage.
            foreach (var server in backend.Redis.GetServers().Where(s => !s.IsReplica))
                await foreach (var key in server.KeysAsync(pattern: $"cc:offsets:{stage}:*"))
                    await backend.Db.KeyDeleteAsync(key);
        }
    }

    [Property(MaxTest = 40)]
    public Task<bool> Counts_equal_a_recount_of_the_hashes_after_every_step(int[] draws, byte batchSize) =>
        Task.Run(async () =>
        {
            var ns = Guid.NewGuid().ToString("N");
            var stage = $"count-prop-{ns}";
            var count = new GroupCount("team", ["tenant", "status"], $"cc:count:{ns}");
            var history = new History(ns);
            var batch = 1 + batchSize % 6;
            foreach (var draw in draws)
            {
                var rng = new Random(draw);
                var step = StepOf(rng);
                switch (step)
                {
                    case Step.Deliver:
                        history.LastBatch = Enumerable.Range(0, 1 + rng.Next(4)).Select(_ => history.Append(rng)).ToList();
                        await WriteAsync(stage, count, history, history.LastBatch, replay: false, batch);
                        break;
                    case Step.Crash:
                        // The writer acknowledged the batch but the offsets were never committed: it comes again.
                        await WriteAsync(stage, count, history, history.LastBatch, replay: false, 1 + rng.Next(3));
                        break;
                    case Step.Replay:
                        var partition = rng.Next(Partitions);
                        var from = rng.NextInt64(history.Next[partition] + 1);
                        await WriteAsync(stage, count, history, history.Log.Where(r => r.Partition == partition && r.Offset >= from), replay: true, batch);
                        break;
                    case Step.Loss:
                        await LoseEverythingAsync(stage, count, history);
                        await WriteAsync(stage, count, history, history.Log, replay: false, batch);
                        break;
                    case Step.Snapshot:
                        // Redis is lost and comes back from a snapshot file (counts are not in it: the marks are).
                        var file = Path.Combine(Path.GetTempPath(), $"{stage}.ccsnap");
                        var pattern = $"cc:agent:{ns}-{{key}}";
                        await RedisSnapshots.SaveAsync(backend.Redis, stage, pattern, "cc:offsets", file);
                        await LoseEverythingAsync(stage, count, history);
                        await RedisSnapshots.LoadAsync(backend.Redis, stage, pattern, "cc:offsets", file, upkeep: new AgentTableUpkeep([count]));
                        File.Delete(file);
                        break;
                }
                var actual = new SortedDictionary<string, long>(
                    (await GroupCountReader.ReadAsync(backend.Redis, count)).ToDictionary(), StringComparer.Ordinal);
                var expected = await RecountAsync(history);
                if (!actual.SequenceEqual(expected))
                    throw new Xunit.Sdk.XunitException(
                        $"after {step} (draw {draw.ToString(CultureInfo.InvariantCulture)}): counts {Show(actual)}, recount {Show(expected)}");
            }
            return true;
        });

    private static string Show(SortedDictionary<string, long> counts) => "{" + string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}")) + "}";
}

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class GroupCountPropertiesOnGarnet(GarnetBackend backend) : GroupCountProperties(backend);

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class GroupCountPropertiesOnRedis(RealRedisBackend backend) : GroupCountProperties(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class GroupCountPropertiesOnRedisCluster(RedisClusterBackend backend) : GroupCountProperties(backend);
