using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Stores.Redis;
using FsCheck.Xunit;
using Xunit;

namespace ContactCenter.Tests.Stores.Queue;

/// <summary>
/// Enqueue exactly once, with the state: a stage's records (each partition read in order, rewound to an earlier offset
/// at random as after a crash or rebalance, and sent by two writers at once as during a hand-over) queue exactly one job
/// per record, never two, whatever the batching, and a record whose write is fenced out queues none. On a Redis Cluster
/// too: the queue's name carries a hash tag, so its keys and the stage's <c>Q:req:</c> hashes share a slot.
/// </summary>
public abstract class FencedEnqueueProperties(RedisBackend backend)
{
    private const int Partitions = 2;

    [Property(MaxTest = 40)]
    public Task<bool> Every_record_queues_its_job_once_whatever_is_redelivered(int[] log, int[] rewinds, byte batch) =>
        Task.Run(async () =>
        {
            var ns = Guid.NewGuid().ToString("N");
            var queue = $"q:{{{ns}}}"; // a hash tag: every key of the queue in one slot on a cluster
            var stage = $"s-{ns}";
            // Record i: partition i % 2, offset i / 2, key chosen by the draw among 3 keys of its partition.
            AgentStateWrite Write(int i) => new($"{queue}:req:p{i % Partitions}k{(log[i] & int.MaxValue) % 3}", i % Partitions, i / Partitions,
                [new("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))], 1_000 + i)
            {
                Job = new JobToEnqueue(queue, JobToEnqueue.IdOf(stage, i % Partitions, i / Partitions, "sink"), $"payload-{i}"),
            };

            // Deliveries: the log in order, with rewinds to an earlier record (redelivery of everything after it).
            var deliveries = new List<int>();
            var position = 0;
            foreach (var rewind in rewinds)
            {
                var step = (rewind & int.MaxValue) % (log.Length + 1);
                deliveries.AddRange(Enumerable.Range(position, Math.Max(0, Math.Min(log.Length, position + step) - position)));
                position = Math.Min(log.Length, position + step);
                position = Math.Max(0, position - (rewind >> 16 & 7));
            }
            deliveries.AddRange(Enumerable.Range(position, log.Length - position));

            async Task RunAsync(IEnumerable<int> records)
            {
                await using var writer = new FencedStateWriter(backend.Redis, stage, new FencedWriterOptions { MaxBatch = 1 + batch % 4 });
                foreach (var i in records) await writer.WriteAsync(Write(i));
                await writer.FlushAsync();
            }
            // The second writer is a pod taking over: it starts at or before what the first had acknowledged, here at the start.
            await Task.WhenAll(RunAsync(deliveries), RunAsync(Enumerable.Range(0, log.Length)));

            var expected = Enumerable.Range(0, log.Length).Select(i => Write(i).Job!.Id).Order(StringComparer.Ordinal).ToList();
            var ready = (await backend.Db.ListRangeAsync(new JobQueueKeys(queue).Ready)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
            var jobs = new List<string>();
            await foreach (var job in new RedisJobQueue(backend.Redis, queue).ScanJobsAsync())
            {
                if (job.Payload != $"payload-{int.Parse(job.Id.Split(':')[^2]) * Partitions + int.Parse(job.Id.Split(':')[^3])}") return false;
                jobs.Add(job.Id);
            }
            return ready.SequenceEqual(expected) && jobs.Order(StringComparer.Ordinal).SequenceEqual(expected);
        });

    [Fact]
    public async Task A_stale_record_queues_nothing_and_a_plain_write_next_to_it_still_works()
    {
        var ns = Guid.NewGuid().ToString("N");
        var queue = $"q:{{{ns}}}"; // a hash tag: every key of the queue in one slot on a cluster
        await using (var writer = new FencedStateWriter(backend.Redis, $"s-{ns}"))
        {
            var acks = new List<BatchAcknowledged>();
            writer.Acknowledged += acks.Add;
            await writer.WriteAsync(new AgentStateWrite($"{queue}:req:a", 0, 5, [new("v", "new")], 1) { Job = new JobToEnqueue(queue, "j5", "p5") });
            await writer.FlushAsync();
            await writer.WriteAsync(new AgentStateWrite($"{queue}:req:a", 0, 3, [new("v", "old")], 1) { Job = new JobToEnqueue(queue, "j3", "p3") });
            await writer.WriteAsync(new AgentStateWrite($"plain:{ns}", 0, 6, [new("v", "x")], 1));
            await writer.FlushAsync();
            Assert.Equal(1, acks.Sum(a => a.Enqueued));
        }
        Assert.Equal(["j5"], (await backend.Db.ListRangeAsync(new JobQueueKeys(queue).Ready)).Select(v => (string)v!));
        Assert.Equal("new", (string?)await backend.Db.HashGetAsync($"{queue}:req:a", "v"));
        Assert.Equal("x", (string?)await backend.Db.HashGetAsync($"plain:{ns}", "v"));
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedEnqueuePropertiesOnRedis(RealRedisBackend backend) : FencedEnqueueProperties(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedEnqueuePropertiesOnGarnet(GarnetBackend backend) : FencedEnqueueProperties(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedEnqueuePropertiesOnRedisCluster(RedisClusterBackend backend) : FencedEnqueueProperties(backend);
