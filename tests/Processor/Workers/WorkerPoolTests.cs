using Confluent.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Workers;
using ContactCenter.Stores.Queue;
using ContactCenter.Tests.Stores.Redis;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Tests.Processor.Workers;

/// <summary>The worker pool against the simulated provisioning service over real HTTP and a real Redis.</summary>
[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class WorkerPoolTests(GarnetBackend backend)
{
    private static readonly WorkerOptions Defaults = new();

    private static readonly HttpEffectSpec Effect = new("http://127.0.0.1:1/agents/{key}", "POST", TimeSpan.FromSeconds(10));

    private sealed class CollectedDeadLetters : IDeadLetterSink
    {
        public List<(string Topic, int Partition, long Offset, string Reason)> Sent { get; } = [];

        public void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, Headers? headers, string reason)
        {
            lock (Sent) Sent.Add((sourceTopic, partition, offset, reason));
        }
    }

    private async Task<(RedisJobQueue, WorkerPool, HttpClient)> StartAsync(ProvisioningService service, WorkerOptions options, IDeadLetterSink deadLetters, int jobs,
        Func<TimeSpan, bool>? stagesBehind = null)
    {
        options.ServiceBaseUrl = service.BaseUrl;
        var queue = new RedisJobQueue(backend.Redis, $"q:{Guid.NewGuid():N}", options.QueueOptions());
        for (var i = 0; i < jobs; i++)
            await queue.EnqueueAsync(JobToEnqueue.IdOf("provisioning", 0, i, "sink"), JobPayload.Serialize($"agent-{i}", [new("name", $"Agent {i}")]));
        var http = new HttpClient();
        var pool = new WorkerPool(queue, new HttpJobEffect(http, Effect, options.ServiceBaseUrl), Effect.Timeout, options, deadLetters, NullLogger.Instance,
            stagesBehind: stagesBehind);
        pool.Start();
        return (queue, pool, http);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, what);
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Calls_never_exceed_the_concurrency_and_every_job_is_applied_once_with_its_key()
    {
        await using var service = await ProvisioningService.StartAsync(new ProvisioningServiceOptions { Latency = TimeSpan.FromMilliseconds(100), FailureRate = 0.2 });
        var (queue, pool, http) = await StartAsync(service, new WorkerOptions { Concurrency = 6, Queue = Defaults.Queue with { RetryBaseDelay = TimeSpan.FromMilliseconds(20) } }, new CollectedDeadLetters(), 60);
        await WaitUntilAsync(async () => (await queue.CountsAsync()).Done == 60, "all 60 jobs done");
        await pool.DisposeAsync();
        http.Dispose();
        Assert.InRange(service.MaxConcurrentCalls, 2, 6);
        Assert.Equal(60, service.Provisioned);
        Assert.Equal(0, service.Duplicates);
        Assert.Equal(60, pool.Done + pool.AlreadyDone);
    }

    [Fact]
    public async Task While_the_stages_are_behind_the_pool_claims_nothing_and_it_resumes_when_they_caught_up()
    {
        await using var service = await ProvisioningService.StartAsync(new ProvisioningServiceOptions { Latency = TimeSpan.Zero, FailureRate = 0 });
        var behind = true;
        var (queue, pool, http) = await StartAsync(service, new WorkerOptions(), new CollectedDeadLetters(), 10, stagesBehind: _ => Volatile.Read(ref behind));
        // The claim loop went round several times (each round asks the stages first), and claimed nothing.
        await WaitUntilAsync(() => Task.FromResult(pool.PausedPolls >= 5), "the claim loop paused five times");
        var counts = await queue.CountsAsync();
        Assert.Equal((10L, 0L, 0L), (counts.Ready, counts.InFlight, counts.Done));
        Assert.Equal(0, service.Calls);
        Volatile.Write(ref behind, false);
        await WaitUntilAsync(async () => (await queue.CountsAsync()).Done == 10, "all 10 jobs done once the stages caught up");
        await pool.DisposeAsync();
        http.Dispose();
    }

    [Fact]
    public async Task A_job_that_keeps_failing_is_dead_after_its_attempts_and_goes_to_the_dead_letter_topic()
    {
        await using var service = await ProvisioningService.StartAsync(new ProvisioningServiceOptions { Latency = TimeSpan.Zero, FailureRate = 1.0, LostAnswerShare = 0 });
        var deadLetters = new CollectedDeadLetters();
        var (queue, pool, http) = await StartAsync(service, new WorkerOptions
        {
            CallRetries = 1, CallRetryDelay = TimeSpan.FromMilliseconds(1),
            Queue = Defaults.Queue with { MaxAttempts = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(10) },
        }, deadLetters, 1);
        await WaitUntilAsync(async () => (await queue.CountsAsync()).Dead == 1, "the job is dead");
        await pool.DisposeAsync();
        http.Dispose();
        var counts = await queue.CountsAsync();
        Assert.Equal((0, 0, 0, 1L), (counts.Ready, counts.InFlight, counts.Retrying, counts.Dead));
        Assert.Equal(2, counts.Retries);
        Assert.Equal(6, service.Calls); // 3 attempts of 2 calls (one in-call retry)
        var dead = Assert.Single(deadLetters.Sent);
        Assert.Equal((queue.Keys.Queue, 0, 0L), (dead.Topic, dead.Partition, dead.Offset));
        Assert.Contains("3 times", dead.Reason);
        Assert.Contains("503", await queue.LastErrorAsync(JobToEnqueue.IdOf("provisioning", 0, 0, "sink")));
    }

    [Fact]
    public async Task A_graceful_stop_gives_unfinished_jobs_back_without_counting_an_attempt()
    {
        await using var service = await ProvisioningService.StartAsync(new ProvisioningServiceOptions { Latency = TimeSpan.FromSeconds(30), FailureRate = 0 });
        var (queue, pool, http) = await StartAsync(service, new WorkerOptions { Concurrency = 2, StopGrace = TimeSpan.FromMilliseconds(100) }, new CollectedDeadLetters(), 3);
        await WaitUntilAsync(async () => (await queue.CountsAsync()).InFlight == 2, "two jobs leased");
        await pool.DisposeAsync();
        http.Dispose();
        var counts = await queue.CountsAsync();
        Assert.Equal((3L, 0L, 0L, 0L), (counts.Ready, counts.InFlight, counts.Retrying, counts.Done));
        Assert.Empty(await queue.HeldByAsync(pool.WorkerId));
        var again = await queue.ClaimAsync("next", 3);
        Assert.All(again, j => Assert.Equal(0, j.FailedAttempts));
    }

    [Fact]
    public async Task The_reaper_returns_the_jobs_of_a_worker_that_died()
    {
        await using var service = await ProvisioningService.StartAsync(new ProvisioningServiceOptions { Latency = TimeSpan.Zero, FailureRate = 0 });
        var options = new WorkerOptions { Queue = Defaults.Queue with { VisibilityTimeout = TimeSpan.FromMilliseconds(300) }, ReaperInterval = TimeSpan.FromMilliseconds(100) };
        options.ServiceBaseUrl = service.BaseUrl;
        var queue = new RedisJobQueue(backend.Redis, $"q:{Guid.NewGuid():N}", options.QueueOptions());
        await queue.EnqueueAsync("provisioning:0:0:sink", JobPayload.Serialize("agent-0", []));
        Assert.Single(await queue.ClaimAsync("a-worker-that-dies", 1)); // and never reports back
        using var http = new HttpClient();
        await using var pool = new WorkerPool(queue, new HttpJobEffect(http, Effect, options.ServiceBaseUrl), Effect.Timeout, options, new CollectedDeadLetters(), NullLogger.Instance);
        pool.Start();
        await WaitUntilAsync(async () => (await queue.CountsAsync()).Done == 1, "the dead worker's job is done by the live one");
        Assert.Equal(1, pool.Reaped);
        await WaitUntilAsync(() => Task.FromResult(pool.LastCounts is { Done: 1, InFlight: 0 }), "the metrics' snapshot of the queue follows it");
        Assert.Empty(await queue.HeldByAsync("a-worker-that-dies"));
        Assert.Equal(1, service.Provisioned);
    }
}
