using ContactCenter.Stores.Queue;
using ContactCenter.Tests.Stores.Redis;
using FsCheck.Xunit;
using StackExchange.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Queue;

/// <summary>
/// The Redis job queue against a small in-memory model written from its specification: any sequence of enqueues
/// (duplicate ids included), claims by two workers, completions, failures, releases, reaps and clock jumps gives the
/// same answers as the model, and at the end every job sits in exactly the place the model says (ready in order, each
/// worker's processing list, delayed with its due time, dead, done). Jitter is off so that the model can know retry times.
/// </summary>
public abstract class JobQueueProperties(RedisBackend backend)
{
    private static readonly JobQueueOptions Options = new()
    {
        VisibilityTimeout = TimeSpan.FromMilliseconds(250),
        MaxAttempts = 3,
        RetryBaseDelay = TimeSpan.FromMilliseconds(100),
        RetryMaxDelay = TimeSpan.FromMilliseconds(300),
        Jitter = 0,
        MaxMovesPerCall = 2,
    };

    private static readonly string[] Workers = ["w1", "w2"];

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>The queue as its documentation describes it.</summary>
    private sealed class Model
    {
        public readonly List<string> Ready = [];
        public readonly Dictionary<string, List<string>> Processing = Workers.ToDictionary(w => w, _ => new List<string>());
        public readonly Dictionary<string, (long Deadline, string Worker)> Leases = [];
        public readonly Dictionary<string, long> Delayed = [];
        public readonly List<string> Dead = [];
        public readonly Dictionary<string, string> Status = [];
        public readonly Dictionary<string, int> Attempts = [];
        public readonly HashSet<string> Jobs = [];
        public long Done, Retries, Reaped;

        public bool Enqueue(string id)
        {
            if (!Jobs.Add(id)) return false;
            Ready.Add(id);
            return true;
        }

        public List<(string Id, int Attempts)> Claim(string worker, int max, long now)
        {
            foreach (var id in Ordered(Delayed.Where(d => d.Value <= now).Select(d => (d.Key, d.Value))).Take(Options.MaxMovesPerCall))
            {
                Delayed.Remove(id);
                Ready.Add(id);
            }
            var claimed = new List<(string, int)>();
            while (claimed.Count < max && Ready.Count > 0)
            {
                var id = Ready[0];
                Ready.RemoveAt(0);
                Processing[worker].Add(id);
                Leases[id] = (now + (long)Options.VisibilityTimeout.TotalMilliseconds, worker);
                claimed.Add((id, Attempts.GetValueOrDefault(id)));
            }
            return claimed;
        }

        private bool Take(string worker, string id)
        {
            if (!Processing[worker].Remove(id)) return false;
            Leases.Remove(id);
            return true;
        }

        public bool Complete(string worker, string id)
        {
            if (!Take(worker, id)) return false;
            Status[id] = "done";
            Done++;
            return true;
        }

        public FailOutcome Fail(string worker, string id, long now)
        {
            if (!Take(worker, id)) return FailOutcome.NotHeld;
            var n = Attempts[id] = Attempts.GetValueOrDefault(id) + 1;
            if (n >= Options.MaxAttempts) return Bury(id);
            Delayed[id] = now + Math.Min(300, 100L << (n - 1));
            Retries++;
            return FailOutcome.Retrying;
        }

        private FailOutcome Bury(string id)
        {
            Dead.Add(id);
            Status[id] = "dead";
            return FailOutcome.Dead;
        }

        public bool Release(string worker, string id)
        {
            if (!Take(worker, id)) return false;
            Ready.Insert(0, id);
            return true;
        }

        public List<string> Reap(long now)
        {
            var reaped = new List<string>();
            foreach (var id in Ordered(Leases.Where(l => l.Value.Deadline <= now).Select(l => (l.Key, l.Value.Deadline))).Take(Options.MaxMovesPerCall))
            {
                Take(Leases[id].Worker, id);
                Reaped++;
                reaped.Add(id);
                var n = Attempts[id] = Attempts.GetValueOrDefault(id) + 1;
                if (n >= Options.MaxAttempts) Bury(id);
                else Ready.Add(id);
            }
            return reaped;
        }

        // Redis orders a sorted set by score, then by member bytes.
        private static IEnumerable<string> Ordered(IEnumerable<(string Id, long Score)> entries) =>
            entries.OrderBy(e => e.Score).ThenBy(e => e.Id, StringComparer.Ordinal).Select(e => e.Id).ToList();
    }

    [Property(MaxTest = 60)]
    public Task<bool> Every_operation_answers_like_the_model_and_every_job_ends_where_the_model_says(int[] draws) =>
        Task.Run(async () =>
        {
            var clock = new Clock();
            var queue = new RedisJobQueue(backend.Redis, $"q:{{{Guid.NewGuid():N}}}", Options, clock);
            var model = new Model();
            foreach (var draw in draws)
            {
                var d = draw & int.MaxValue;
                var worker = Workers[d / 7 % 2];
                var id = $"j{d / 14 % 6}";
                var now = clock.Now.ToUnixTimeMilliseconds();
                switch (d % 7)
                {
                    case 0:
                        if (await queue.EnqueueAsync(id, "payload-" + id) != model.Enqueue(id)) return false;
                        break;
                    case 1:
                        var claimed = await queue.ClaimAsync(worker, 1 + d / 14 % 3);
                        var expected = model.Claim(worker, 1 + d / 14 % 3, now);
                        if (!claimed.Select(j => (j.Id, j.FailedAttempts)).SequenceEqual(expected)) return false;
                        if (claimed.Any(j => j.Payload != "payload-" + j.Id)) return false;
                        break;
                    case 2:
                        if (await queue.CompleteAsync(worker, id) != model.Complete(worker, id)) return false;
                        break;
                    case 3:
                        var attempts = model.Attempts.GetValueOrDefault(id);
                        if (await queue.FailAsync(worker, new LeasedJob(id, "", attempts), "boom") != model.Fail(worker, id, now)) return false;
                        break;
                    case 4:
                        if (await queue.ReleaseAsync(worker, id) != model.Release(worker, id)) return false;
                        break;
                    case 5:
                        clock.Now += TimeSpan.FromMilliseconds(d / 14 % 4 * 90);
                        break;
                    default:
                        var reaped = await queue.ReapAsync();
                        if (!reaped.Select(r => r.Id).SequenceEqual(model.Reap(now))) return false;
                        break;
                }
            }
            return await SameStateAsync(queue, model);
        });

    private async Task<bool> SameStateAsync(RedisJobQueue queue, Model model)
    {
        var db = backend.Db;
        var k = queue.Keys;
        if (!(await db.ListRangeAsync(k.Ready)).Select(v => (string)v!).SequenceEqual(model.Ready)) return false;
        if (!(await db.ListRangeAsync(k.Dead)).Select(v => (string)v!).SequenceEqual(model.Dead)) return false;
        foreach (var worker in Workers)
        {
            if (!(await queue.HeldByAsync(worker)).SequenceEqual(model.Processing[worker])) return false;
        }
        var delayed = (await db.SortedSetRangeByRankWithScoresAsync(k.Delayed)).ToDictionary(e => (string)e.Element!, e => (long)e.Score);
        if (!delayed.OrderBy(e => e.Key).SequenceEqual(model.Delayed.OrderBy(e => e.Key))) return false;
        var leases = (await db.SortedSetRangeByRankWithScoresAsync(k.Leases)).ToDictionary(e => (string)e.Element!, e => (long)e.Score);
        if (!leases.OrderBy(e => e.Key).SequenceEqual(model.Leases.ToDictionary(l => l.Key, l => l.Value.Deadline).OrderBy(e => e.Key))) return false;
        var status = (await db.HashGetAllAsync(k.Status)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        if (!status.OrderBy(e => e.Key).SequenceEqual(model.Status.OrderBy(e => e.Key))) return false;
        var counts = await queue.CountsAsync();
        return counts == new QueueCounts(model.Jobs.Count, model.Ready.Count, model.Leases.Count, model.Delayed.Count, model.Dead.Count,
            model.Done, model.Retries, model.Reaped);
    }

    [Fact]
    public async Task A_finished_job_can_be_queued_again_once_and_an_unknown_or_pending_one_not()
    {
        var queue = new RedisJobQueue(backend.Redis, $"q:{{{Guid.NewGuid():N}}}", Options);
        Assert.True(await queue.EnqueueAsync("a", "p"));
        Assert.Equal(0, await queue.RequeueAsync("a"));
        Assert.Equal(-1, await queue.RequeueAsync("nobody"));
        var job = Assert.Single(await queue.ClaimAsync("w", 5));
        Assert.True(await queue.CompleteAsync("w", job.Id));
        Assert.Equal(1, await queue.RequeueAsync("a"));
        Assert.Equal(0, await queue.RequeueAsync("a"));
        Assert.Equal("a", Assert.Single(await queue.ClaimAsync("w", 5)).Id);
        var records = new List<JobRecord>();
        await foreach (var r in queue.ScanJobsAsync()) records.Add(r);
        Assert.Equal([new JobRecord("a", "p", null)], records);
    }

    [Fact]
    public async Task Only_one_reaper_holds_the_lease_until_it_expires()
    {
        var queue = new RedisJobQueue(backend.Redis, $"q:{{{Guid.NewGuid():N}}}", Options with { ReaperLease = TimeSpan.FromMinutes(1) });
        Assert.True(await queue.TryHoldReaperLeaseAsync("pod-a"));
        Assert.False(await queue.TryHoldReaperLeaseAsync("pod-b"));
        Assert.True(await queue.TryHoldReaperLeaseAsync("pod-a"));
        await backend.Db.KeyDeleteAsync(queue.Keys.Reaper); // what expiry does
        Assert.True(await queue.TryHoldReaperLeaseAsync("pod-b"));
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class JobQueuePropertiesOnRedis(RealRedisBackend backend) : JobQueueProperties(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class JobQueuePropertiesOnGarnet(GarnetBackend backend) : JobQueueProperties(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class JobQueuePropertiesOnRedisCluster(RedisClusterBackend backend) : JobQueueProperties(backend);
