using System.Globalization;
using StackExchange.Redis;

namespace ContactCenter.Stores.Queue;

/// <summary>
/// A durable at-least-once job queue on plain Redis lists, sorted sets and hashes, so it runs on redis-server and on
/// Garnet (which has no streams). Jobs are enqueued once per id; a worker leases jobs (moved to its own processing list
/// with a deadline), then completes, fails (delayed retry with exponential back-off and jitter, dead after
/// <see cref="JobQueueOptions.MaxAttempts"/>) or releases them (graceful stop). A reaper, one at a time under a lease,
/// takes back the jobs of workers whose leases expired. Nothing here blocks a connection: workers poll.
/// </summary>
/// <remarks>Key layout: <see cref="JobQueueKeys"/>. Times come from <see cref="TimeProvider"/> (tests drive it).</remarks>
public sealed class RedisJobQueue
{
    private readonly IDatabase _db;
    private readonly JobQueueOptions _options;
    private readonly TimeProvider _clock;
    private readonly Random _random;

    public RedisJobQueue(IConnectionMultiplexer redis, string queue, JobQueueOptions? options = null, TimeProvider? clock = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _options = options ?? new JobQueueOptions();
        _options.Validate();
        _db = redis.GetDatabase();
        Keys = new JobQueueKeys(queue);
        Keys.EnsureUsableOn(redis);
        _clock = clock ?? TimeProvider.System;
        _random = random ?? Random.Shared;
    }

    public JobQueueKeys Keys { get; }

    public JobQueueOptions Options => _options;

    private string Now => _clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private string At(TimeSpan after) => (_clock.GetUtcNow() + after).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Queues <paramref name="payload"/> under <paramref name="id"/> unless that id was ever queued: true when new.</summary>
    public async Task<bool> EnqueueAsync(string id, string payload)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(payload);
        return (long)await _db.ScriptEvaluateAsync(JobQueueScripts.Enqueue, [Keys.Jobs, Keys.Ready], [id, payload]).ConfigureAwait(false) == 1;
    }

    /// <summary>Leases up to <paramref name="max"/> ready jobs to <paramref name="worker"/> (due retries first join the ready list).</summary>
    public async Task<IReadOnlyList<LeasedJob>> ClaimAsync(string worker, int max)
    {
        ArgumentException.ThrowIfNullOrEmpty(worker);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(JobQueueScripts.Claim,
            [Keys.Ready, Keys.Processing(worker), Keys.Leases, Keys.Holders, Keys.Delayed, Keys.Jobs, Keys.Attempts],
            [worker, Now, At(_options.VisibilityTimeout), max, _options.MaxMovesPerCall]).ConfigureAwait(false))!;
        var jobs = new LeasedJob[result.Length / 3];
        for (var i = 0; i < jobs.Length; i++)
            jobs[i] = new LeasedJob((string)result[3 * i]!, (string)result[3 * i + 1]!, int.Parse((string)result[3 * i + 2]!, CultureInfo.InvariantCulture));
        return jobs;
    }

    /// <summary>Marks a held job done: true, or false when the worker no longer held it.</summary>
    public async Task<bool> CompleteAsync(string worker, string id) =>
        (long)await _db.ScriptEvaluateAsync(JobQueueScripts.Complete,
            [Keys.Processing(worker), Keys.Leases, Keys.Holders, Keys.Status, Keys.Counts], [id]).ConfigureAwait(false) == 1;

    /// <summary>Reports a held job's failed attempt (<paramref name="job"/> as claimed): retried after a back-off, or dead.</summary>
    public async Task<FailOutcome> FailAsync(string worker, LeasedJob job, string error)
    {
        ArgumentNullException.ThrowIfNull(job);
        var delay = _options.RetryDelay(job.FailedAttempts + 1, _random);
        var result = (long)await _db.ScriptEvaluateAsync(JobQueueScripts.Fail,
            [Keys.Processing(worker), Keys.Leases, Keys.Holders, Keys.Attempts, Keys.Delayed, Keys.Dead, Keys.Status, Keys.Errors, Keys.Counts],
            [job.Id, At(delay), _options.MaxAttempts, error ?? ""]).ConfigureAwait(false);
        return result switch { 1 => FailOutcome.Retrying, 2 => FailOutcome.Dead, _ => FailOutcome.NotHeld };
    }

    /// <summary>Gives a held, unfinished job back at the head of the ready list without counting an attempt.</summary>
    public async Task<bool> ReleaseAsync(string worker, string id) =>
        (long)await _db.ScriptEvaluateAsync(JobQueueScripts.Release,
            [Keys.Processing(worker), Keys.Leases, Keys.Holders, Keys.Ready], [id]).ConfigureAwait(false) == 1;

    /// <summary>True when <paramref name="owner"/> holds the reaper's lease (taken now or renewed).</summary>
    public async Task<bool> TryHoldReaperLeaseAsync(string owner) =>
        (long)await _db.ScriptEvaluateAsync(JobQueueScripts.ReaperLease, [Keys.Reaper],
            [owner, (long)_options.ReaperLease.TotalMilliseconds]).ConfigureAwait(false) == 1;

    /// <summary>Takes back up to <see cref="JobQueueOptions.MaxMovesPerCall"/> jobs whose leases expired. Call it only
    /// while holding the reaper's lease (two reapers would not break anything, only waste round trips).</summary>
    public async Task<IReadOnlyList<ReapedJob>> ReapAsync()
    {
        var now = Now;
        var expired = await _db.SortedSetRangeByScoreAsync(Keys.Leases, double.NegativeInfinity,
            double.Parse(now, CultureInfo.InvariantCulture), take: _options.MaxMovesPerCall).ConfigureAwait(false);
        if (expired.Length == 0) return [];
        var holders = await _db.HashGetAsync(Keys.Holders, expired).ConfigureAwait(false);
        var reaped = new List<ReapedJob>();
        for (var i = 0; i < expired.Length; i++)
        {
            if (holders[i].IsNull) continue;
            var id = (string)expired[i]!;
            var worker = (string)holders[i]!;
            var result = (long)await _db.ScriptEvaluateAsync(JobQueueScripts.Reap,
                [Keys.Processing(worker), Keys.Leases, Keys.Holders, Keys.Attempts, Keys.Ready, Keys.Dead, Keys.Status, Keys.Counts, Keys.Errors],
                [id, worker, now, _options.MaxAttempts]).ConfigureAwait(false);
            if (result != 0) reaped.Add(new ReapedJob(id, worker, result == 2));
        }
        return reaped;
    }

    /// <summary>Queues a finished job again (reconciliation): 1 queued, 0 still pending, -1 unknown id.</summary>
    public async Task<int> RequeueAsync(string id) =>
        (int)(long)await _db.ScriptEvaluateAsync(JobQueueScripts.Requeue,
            [Keys.Jobs, Keys.Status, Keys.Dead, Keys.Attempts, Keys.Ready, Keys.Errors, Keys.Counts], [id]).ConfigureAwait(false);

    /// <summary>The ids held by <paramref name="worker"/>, oldest lease first.</summary>
    public async Task<string[]> HeldByAsync(string worker) =>
        (await _db.ListRangeAsync(Keys.Processing(worker)).ConfigureAwait(false)).Select(v => (string)v!).ToArray();

    /// <summary>A job's payload, or null for an unknown id.</summary>
    public async Task<string?> PayloadAsync(string id) => await _db.HashGetAsync(Keys.Jobs, id).ConfigureAwait(false);

    /// <summary>The last failure recorded for a job, if any.</summary>
    public async Task<string?> LastErrorAsync(string id) => await _db.HashGetAsync(Keys.Errors, id).ConfigureAwait(false);

    /// <summary>Where the jobs are, in one pipelined round trip.</summary>
    public async Task<QueueCounts> CountsAsync()
    {
        var batch = _db.CreateBatch();
        var jobs = batch.HashLengthAsync(Keys.Jobs);
        var ready = batch.ListLengthAsync(Keys.Ready);
        var leased = batch.SortedSetLengthAsync(Keys.Leases);
        var delayed = batch.SortedSetLengthAsync(Keys.Delayed);
        var dead = batch.ListLengthAsync(Keys.Dead);
        var counts = batch.HashGetAsync(Keys.Counts, ["done", "retries", "reaped"]);
        batch.Execute();
        await Task.WhenAll(jobs, ready, leased, delayed, dead, counts).ConfigureAwait(false);
        var c = counts.Result;
        return new QueueCounts(jobs.Result, ready.Result, leased.Result, delayed.Result, dead.Result,
            (long?)c[0] ?? 0, (long?)c[1] ?? 0, (long?)c[2] ?? 0);
    }

    /// <summary>Every job with its final status (null while pending), page by page (HSCAN).</summary>
    public async IAsyncEnumerable<JobRecord> ScanJobsAsync()
    {
        var page = new List<HashEntry>(256);
        await foreach (var entry in _db.HashScanAsync(Keys.Jobs, pageSize: 256).ConfigureAwait(false))
        {
            page.Add(entry);
            if (page.Count == 256)
            {
                foreach (var job in await WithStatusAsync(page).ConfigureAwait(false)) yield return job;
                page.Clear();
            }
        }
        foreach (var job in await WithStatusAsync(page).ConfigureAwait(false)) yield return job;
    }

    private async Task<JobRecord[]> WithStatusAsync(List<HashEntry> page)
    {
        if (page.Count == 0) return [];
        var statuses = await _db.HashGetAsync(Keys.Status, page.Select(e => e.Name).ToArray()).ConfigureAwait(false);
        return page.Select((e, i) => new JobRecord((string)e.Name!, (string)e.Value!, statuses[i].IsNull ? null : (string)statuses[i]!)).ToArray();
    }
}
