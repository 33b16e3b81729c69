using ContactCenter.Stores.Queue;

namespace ContactCenter.Processor.Workers;

/// <summary>
/// The worker pool of a pod (configuration section <c>Workers</c>, e.g. <c>CC__Workers__Concurrency</c>): how many side
/// effects run at once, how each call is protected (timeout from the topology file's effect, in-call retries, a
/// circuit breaker) and how the durable queue retries and dead-letters jobs. Scaled apart from the stages:
/// <c>--stages Workers</c> runs only the pool.
/// </summary>
internal sealed class WorkerOptions
{
    /// <summary>Most jobs in flight in this pod (per queue).</summary>
    public int Concurrency { get; set; } = 64;

    /// <summary>Shortest and longest wait between polls of an empty queue (doubled while empty; no blocking commands).</summary>
    public TimeSpan MinPoll { get; set; } = TimeSpan.FromMilliseconds(5);

    public TimeSpan MaxPoll { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Calls retried within one attempt (Polly) before the job is reported failed to the queue.</summary>
    public int CallRetries { get; set; } = 2;

    /// <summary>Delay before the first in-call retry (exponential, with jitter).</summary>
    public TimeSpan CallRetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Circuit breaker: share of failed calls in <see cref="BreakerWindow"/> that opens the circuit…</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>…counted over this window…</summary>
    public TimeSpan BreakerWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>…once at least this many calls were made in it.</summary>
    public int BreakerMinimumCalls { get; set; } = 50;

    /// <summary>How long an open circuit refuses calls (jobs go back with a delay, nothing is called).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The durable queue's own settings (section <c>Workers:Queue</c>, e.g. <c>CC__Workers__Queue__MaxAttempts</c>): a
    /// job's lease (longer than a call with all its in-call retries), attempts before it is dead (dead list and a record
    /// on the dead-letter topic), and the back-off of delayed retries. The reaper lease follows <see cref="ReaperInterval"/>.
    /// </summary>
    public JobQueueOptions Queue { get; set; } = new()
    {
        VisibilityTimeout = TimeSpan.FromSeconds(60),
        MaxAttempts = 8,
        RetryBaseDelay = TimeSpan.FromMilliseconds(250),
    };

    /// <summary>
    /// Side effects never starve the pipeline: while a Redis-writing stage hosted in the same pod is more than this
    /// behind its source events (<see cref="Stages.StageLag"/>), the pool claims no new jobs; calls in flight finish. The
    /// jobs wait in the durable queue, so only the side effects are delayed. Zero: never pause.
    /// </summary>
    public TimeSpan PauseWhenStagesBehind { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the pod tries to be the reaper and, when it is, takes back the jobs of dead workers.</summary>
    public TimeSpan ReaperInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>On a graceful stop, how long calls in flight may finish before they are cancelled and their jobs given back.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Replaces scheme, host and port of the topology's URL template (e.g. a service's address per environment).</summary>
    public string? ServiceBaseUrl { get; set; }

    /// <summary>What the pool's queue runs with: <see cref="Queue"/>, its reaper lease five reaper intervals long.</summary>
    public JobQueueOptions QueueOptions() => Queue with { ReaperLease = ReaperInterval * 5 };

    private string? QueueProblem()
    {
        try
        {
            QueueOptions().Validate();
            return null;
        }
        catch (ArgumentException e)
        {
            return "Workers:Queue: " + e.Message;
        }
    }

    /// <summary>What is wrong with these options, one line each.</summary>
    public IEnumerable<string> Problems()
    {
        if (Concurrency < 1) yield return "Workers:Concurrency must be at least 1";
        if (MinPoll <= TimeSpan.Zero || MaxPoll < MinPoll) yield return "Workers:MinPoll must be positive and Workers:MaxPoll at least MinPoll";
        if (CallRetries < 0) yield return "Workers:CallRetries must not be negative";
        if (BreakerFailureRatio is <= 0 or > 1) yield return "Workers:BreakerFailureRatio must be within (0, 1]";
        if (BreakerMinimumCalls < 2) yield return "Workers:BreakerMinimumCalls must be at least 2";
        if (QueueProblem() is { } queue) yield return queue;
        if (ServiceBaseUrl is { } url && !Uri.TryCreate(url, UriKind.Absolute, out _)) yield return $"Workers:ServiceBaseUrl '{url}' is not an absolute URL";
    }
}
