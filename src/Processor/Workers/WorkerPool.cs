using System.Globalization;
using System.Text;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Workers;

/// <summary>
/// Drains one durable queue with bounded concurrency: leases as many jobs as it has free slots (polling with back-off,
/// no blocking command), runs each through the resilience pipeline (in-call retries, circuit breaker, per-call
/// timeout) and reports it done, failed (the queue delays and retries it, or buries it after its last attempt: then a
/// record goes to the dead-letter topic) or, on a graceful stop, gives it back. It also takes the reaper's lease in
/// turn with the other pods and returns the jobs of workers that died. Nothing here runs on a consumer thread.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    private readonly RedisJobQueue _queue;
    private readonly IJobEffect _effect;
    private readonly WorkerOptions _options;
    private readonly IDeadLetterSink _deadLetters;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<EffectOutcome> _resilience;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stopClaiming = new();
    private readonly CancellationTokenSource _stopCalls = new();
    private Task? _loop;
    private Task? _reaper;
    private readonly Func<TimeSpan, bool>? _stagesBehind;
    private long _done, _alreadyDone, _failed, _dead, _released, _reaped, _pausedPolls;

    /// <param name="stagesBehind">Whether the stages sharing this process are behind (see
    /// <see cref="WorkerOptions.PauseWhenStagesBehind"/>); null: the pool runs alone and never pauses.</param>
    public WorkerPool(RedisJobQueue queue, IJobEffect effect, TimeSpan callTimeout, WorkerOptions options, IDeadLetterSink deadLetters, ILogger logger, string? workerId = null,
        Func<TimeSpan, bool>? stagesBehind = null)
    {
        _stagesBehind = stagesBehind;
        _queue = queue;
        _effect = effect;
        _options = options;
        _deadLetters = deadLetters;
        _logger = logger;
        WorkerId = workerId ?? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        _slots = new SemaphoreSlim(options.Concurrency, options.Concurrency);
        _resilience = BuildResilience(options, callTimeout);
    }

    /// <summary>This pool's name in the queue (its processing list is <c>Q:processing:{WorkerId}</c>).</summary>
    public string WorkerId { get; }

    public RedisJobQueue Queue => _queue;

    public long Done => Interlocked.Read(ref _done);
    public long AlreadyDone => Interlocked.Read(ref _alreadyDone);
    public long Failed => Interlocked.Read(ref _failed);
    public long Dead => Interlocked.Read(ref _dead);
    public long Reaped => Interlocked.Read(ref _reaped);
    public int InFlight => _options.Concurrency - _slots.CurrentCount;

    /// <summary>Times the claim loop held off because the stages of this pod were behind.</summary>
    public long PausedPolls => Interlocked.Read(ref _pausedPolls);

    /// <summary>Where the queue's jobs were at the last reaper tick (for metrics: read without a Redis call); null before the first.</summary>
    public QueueCounts? LastCounts { get; private set; }

    internal static ResiliencePipeline<EffectOutcome> BuildResilience(WorkerOptions options, TimeSpan callTimeout)
    {
        var transient = new PredicateBuilder<EffectOutcome>().Handle<TransientEffectException>().Handle<TimeoutRejectedException>();
        var builder = new ResiliencePipelineBuilder<EffectOutcome>();
        if (options.CallRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<EffectOutcome>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = options.CallRetries,
                Delay = options.CallRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }
        // The breaker sits inside the retries: an open circuit fails the call at once, and the queue (not a busy
        // loop here) waits out the back-off.
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<EffectOutcome>
        {
            ShouldHandle = transient,
            FailureRatio = options.BreakerFailureRatio,
            SamplingDuration = options.BreakerWindow,
            MinimumThroughput = options.BreakerMinimumCalls,
            BreakDuration = options.BreakDuration,
        });
        builder.AddTimeout(callTimeout);
        return builder.Build();
    }

    public void Start()
    {
        _loop = Task.Run(ClaimLoopAsync);
        _reaper = Task.Run(ReaperLoopAsync);
    }

    private async Task ClaimLoopAsync()
    {
        var idle = _options.MinPoll;
        var ct = _stopClaiming.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (_stagesBehind is not null && _options.PauseWhenStagesBehind > TimeSpan.Zero && _stagesBehind(_options.PauseWhenStagesBehind))
                {
                    // The stages come first: no new side effects until they caught up (jobs wait in the durable queue).
                    Interlocked.Increment(ref _pausedPolls);
                    await Task.Delay(_options.MinPoll, ct).ConfigureAwait(false);
                    continue;
                }
                await _slots.WaitAsync(ct).ConfigureAwait(false);
                var free = _slots.CurrentCount + 1;
                IReadOnlyList<LeasedJob> jobs;
                try
                {
                    jobs = await _queue.ClaimAsync(WorkerId, free).ConfigureAwait(false);
                }
                catch (Exception error) when (RedisFailures.IsTransient(error))
                {
                    _slots.Release();
                    _logger.LogWarning(error, "Worker {Worker}: could not lease jobs; retrying in {Delay}", WorkerId, _options.MaxPoll);
                    await Task.Delay(_options.MaxPoll, ct).ConfigureAwait(false);
                    continue;
                }
                if (jobs.Count == 0)
                {
                    _slots.Release();
                    await Task.Delay(idle, ct).ConfigureAwait(false);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, _options.MaxPoll.Ticks));
                    continue;
                }
                idle = _options.MinPoll;
                for (var i = 0; i < jobs.Count; i++)
                {
                    // The first job uses the slot taken above; only this loop takes slots, so the others are free.
                    if (i > 0 && !_slots.Wait(0)) throw new InvalidOperationException("worker slots out of step");
                    _ = RunJobAsync(jobs[i]);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RunJobAsync(LeasedJob job)
    {
        try
        {
            var payload = JobPayload.TryParse(job.Payload);
            if (payload is null)
            {
                await ReportAsync(job, "the job's payload is not a queue stage's job", () => _queue.FailAsync(WorkerId, job, "bad payload")).ConfigureAwait(false);
                return;
            }
            EffectOutcome outcome;
            try
            {
                outcome = await _resilience.ExecuteAsync(
                    static async (state, ct) => await state.Effect.RunAsync(state.Job, state.Payload, ct).ConfigureAwait(false),
                    (Effect: _effect, Job: job, Payload: payload), _stopCalls.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopCalls.IsCancellationRequested)
            {
                // Stopping: the call did not finish within the grace period; another worker runs it (same idempotency key).
                if (await ReportAsync(job, "release", () => _queue.ReleaseAsync(WorkerId, job.Id)).ConfigureAwait(false))
                    Interlocked.Increment(ref _released);
                return;
            }
            catch (Exception error) when (error is TransientEffectException or TimeoutRejectedException or BrokenCircuitException)
            {
                await FailAsync(job, payload, error.Message).ConfigureAwait(false);
                return;
            }
            if (outcome == EffectOutcome.Rejected)
            {
                await FailAsync(job, payload, "the service rejected the request").ConfigureAwait(false);
                return;
            }
            if (await ReportAsync(job, "complete", () => _queue.CompleteAsync(WorkerId, job.Id)).ConfigureAwait(false))
                Interlocked.Increment(ref outcome == EffectOutcome.Done ? ref _done : ref _alreadyDone);
        }
        catch (Exception error)
        {
            // Never lose the slot; the job's lease expires and the reaper gives it to someone else.
            _logger.LogError(error, "Worker {Worker}: job {Job} failed unexpectedly; its lease will expire and it will be retried", WorkerId, job.Id);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task FailAsync(LeasedJob job, JobPayload payload, string reason)
    {
        var outcome = await ReportAsync(job, "fail", () => _queue.FailAsync(WorkerId, job, reason)).ConfigureAwait(false);
        Interlocked.Increment(ref _failed);
        if (outcome == FailOutcome.Dead)
            DeadLetter(job.Id, payload.Key, job.Payload, $"side effect failed {_queue.Options.MaxAttempts} times; last: {reason}");
    }

    /// <summary>Tells the queue how a job ended, retrying Redis until it answers or the pool stops (then the lease
    /// expires and the job runs again, which its idempotency key makes harmless).</summary>
    private async Task<T> ReportAsync<T>(LeasedJob job, string what, Func<Task<T>> report)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await report().ConfigureAwait(false);
            }
            catch (Exception error) when (RedisFailures.IsTransient(error) && !_stopCalls.IsCancellationRequested)
            {
                var delay = RedisFailures.Backoff(attempt, TimeSpan.FromSeconds(5));
                _logger.LogWarning(error, "Worker {Worker}: {What} of job {Job} failed; retrying in {Delay}", WorkerId, what, job.Id, delay);
                await Task.Delay(delay).ConfigureAwait(false);
            }
        }
    }

    private void DeadLetter(string id, string? key, string payload, string reason)
    {
        Interlocked.Increment(ref _dead);
        // The job id is stage:partition:offset:sink: the dead letter points at the record that asked for the effect.
        var parts = id.Split(':');
        var partition = parts.Length >= 4 && int.TryParse(parts[^3], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : -1;
        var offset = parts.Length >= 4 && long.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : -1;
        _deadLetters.Send(_queue.Keys.Queue, partition, offset, key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(payload), null, reason);
        _logger.LogWarning("Job {Job} is dead: {Reason}", id, reason);
    }

    private async Task ReaperLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.ReaperInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopClaiming.Token).ConfigureAwait(false))
            {
                try
                {
                    LastCounts = await _queue.CountsAsync().ConfigureAwait(false);
                    if (!await _queue.TryHoldReaperLeaseAsync(WorkerId).ConfigureAwait(false)) continue;
                    foreach (var reaped in await _queue.ReapAsync().ConfigureAwait(false))
                    {
                        Interlocked.Increment(ref _reaped);
                        _logger.LogInformation("Took job {Job} back from worker {Worker}, whose lease expired", reaped.Id, reaped.Worker);
                        if (reaped.Dead)
                        {
                            var payload = await _queue.PayloadAsync(reaped.Id).ConfigureAwait(false);
                            DeadLetter(reaped.Id, payload is null ? null : JobPayload.TryParse(payload)?.Key, payload ?? "", "lease expired on its last attempt");
                        }
                    }
                }
                catch (Exception error) when (RedisFailures.IsTransient(error))
                {
                    _logger.LogWarning(error, "Reaper of {Queue}: Redis failed; trying again next round", _queue.Keys.Queue);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops leasing, lets calls in flight finish within <see cref="WorkerOptions.StopGrace"/>, then cancels the
    /// rest and gives their jobs back to the ready list.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopClaiming.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.ConfigureAwait(false);
        if (_reaper is not null) await _reaper.ConfigureAwait(false);
        var deadline = DateTime.UtcNow + _options.StopGrace;
        while (InFlight > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20).ConfigureAwait(false);
        await _stopCalls.CancelAsync().ConfigureAwait(false);
        while (InFlight > 0)
            await Task.Delay(20).ConfigureAwait(false);
        if (_released > 0)
            _logger.LogInformation("Worker {Worker} stopped: {Released} unfinished jobs given back", WorkerId, _released);
        _stopClaiming.Dispose();
        _stopCalls.Dispose();
        _slots.Dispose();
    }
}
