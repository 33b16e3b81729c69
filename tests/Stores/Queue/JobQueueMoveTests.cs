using ContactCenter.Stores.Queue;
using ContactCenter.Tests.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Tests.Stores.Queue;

/// <summary>
/// Moving a queue into one that already holds jobs (the new queue was deployed before the move): nothing under the old
/// name is left, no job id runs twice, the old waiting jobs come first in their order, counters add up, and the new
/// queue's workers then claim, complete and see the moved jobs through the queue's own API. On a Redis Cluster the two
/// names hash to different slots, where a key cannot be renamed: it is copied.
/// </summary>
public abstract class JobQueueMoveTests(RedisBackend backend)
{
    private static readonly JobQueueOptions SlowRetries = new() { RetryBaseDelay = TimeSpan.FromHours(1), RetryMaxDelay = TimeSpan.FromHours(1) };

    [Fact]
    public async Task Moving_into_a_queue_that_has_jobs_merges_without_running_a_job_twice()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var from = new JobQueueKeys($"m{id}:{{o{id}}}");
        var to = new JobQueueKeys($"m{id}:{{n{id}}}");
        var old = new RedisJobQueue(backend.Redis, from.Queue, SlowRetries);
        var @new = new RedisJobQueue(backend.Redis, to.Queue, SlowRetries);
        for (var i = 0; i < 6; i++)
            await old.EnqueueAsync($"j{i}", "old");
        var held = await old.ClaimAsync("w1", 2);                  // j0, j1 held by w1
        Assert.True(await old.CompleteAsync("w1", held[0].Id));    // j0 done
        Assert.Equal(FailOutcome.Retrying, await old.FailAsync("w1", held[1], "boom")); // j1 delayed
        await @new.EnqueueAsync("n0", "new");
        Assert.Single(await @new.ClaimAsync("w9", 1));
        Assert.True(await @new.CompleteAsync("w9", "n0"));
        await @new.EnqueueAsync("j5", "new");                       // the same job, already known to the new queue
        await @new.EnqueueAsync("n1", "new");

        var moves = await JobQueueMove.PlanAsync(backend.Redis, from, to);
        await JobQueueMove.MoveAsync(backend.Db, to, moves);

        Assert.Empty(await JobQueueMove.PlanAsync(backend.Redis, from, new JobQueueKeys($"m{id}:{{u{id}}}")));
        var db = backend.Db;
        Assert.Equal(["j2", "j3", "j4", "j5", "n1"], (await db.ListRangeAsync(to.Ready)).Select(v => v.ToString()));
        Assert.Equal("new", await @new.PayloadAsync("j5"));
        Assert.Equal("old", await @new.PayloadAsync("j2"));
        Assert.Equal("boom", await @new.LastErrorAsync("j1"));
        Assert.NotNull(await db.SortedSetScoreAsync(to.Delayed, "j1"));
        Assert.Equal(2, (long)await db.HashGetAsync(to.Counts, "done"));
        Assert.Equal("done", (string?)await db.HashGetAsync(to.Status, "j0"));

        var claimed = new List<string>();
        while ((await @new.ClaimAsync("w2", 10)) is { Count: > 0 } jobs)
        {
            claimed.AddRange(jobs.Select(j => j.Id));
            foreach (var job in jobs)
                Assert.True(await @new.CompleteAsync("w2", job.Id));
        }
        Assert.Equal(["j2", "j3", "j4", "j5", "n1"], claimed);
    }
}

[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public sealed class JobQueueMoveTestsOnRedis(RealRedisBackend backend) : JobQueueMoveTests(backend);

[Trait("Kind", "Integration")]
[Collection(GarnetCollection.Name)]
public sealed class JobQueueMoveTestsOnGarnet(GarnetBackend backend) : JobQueueMoveTests(backend);

[Trait("Kind", "Integration")]
[Collection(RedisClusterCollection.Name)]
public sealed class JobQueueMoveTestsOnRedisCluster(RedisClusterBackend backend) : JobQueueMoveTests(backend)
{
    [Fact]
    public async Task A_queue_without_a_hash_tag_is_refused_on_a_cluster_with_the_fix_and_moves_into_a_tagged_name()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var error = Assert.Throws<InvalidOperationException>(() => new RedisJobQueue(backend.Redis, $"cc:queue:u{id}"));
        Assert.Contains("no hash tag", error.Message);
        Assert.Contains($"cc:queue:{{u{id}}}", error.Message);

        // What an untagged queue left on a cluster (single-key writes work) moves into a tagged name, key by key.
        var from = new JobQueueKeys($"cc:queue:u{id}");
        var to = new JobQueueKeys($"cc:queue:{{u{id}}}");
        var db = backend.Db;
        await db.HashSetAsync(from.Jobs, [new HashEntry("j1", "p1"), new HashEntry("j2", "p2")]);
        await db.ListRightPushAsync(from.Ready, ["j1", "j2"]);
        var moves = await JobQueueMove.PlanAsync(backend.Redis, from, to);
        await JobQueueMove.MoveAsync(db, to, moves);
        Assert.False(await db.KeyExistsAsync(from.Jobs));
        var queue = new RedisJobQueue(backend.Redis, to.Queue);
        Assert.Equal(["j1", "j2"], (await queue.ClaimAsync("w", 5)).Select(j => j.Id));
    }
}
