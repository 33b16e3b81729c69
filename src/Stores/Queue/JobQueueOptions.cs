namespace ContactCenter.Stores.Queue;

/// <summary>Tuning of a <see cref="RedisJobQueue"/>.</summary>
public sealed record JobQueueOptions
{
    /// <summary>How long a worker holds a job before the reaper may give it to another: longer than the longest
    /// call (all its in-call retries included).</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Failed attempts after which a job goes to the dead list.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay before the first retry; doubled for each further failure.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of the retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Share of the delay drawn at random (0: none, 1: anywhere from zero to the delay), so that jobs failing
    /// together do not come back together.</summary>
    public double Jitter { get; init; } = 0.5;

    /// <summary>How long one reaper's lease lasts; it is renewed while its holder lives.</summary>
    public TimeSpan ReaperLease { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Most due retries moved back to the ready list, and most expired leases reaped, per call.</summary>
    public int MaxMovesPerCall { get; init; } = 256;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(VisibilityTimeout, TimeSpan.FromMilliseconds(1), nameof(VisibilityTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBaseDelay, TimeSpan.Zero, nameof(RetryBaseDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryMaxDelay, RetryBaseDelay, nameof(RetryMaxDelay));
        if (Jitter is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(Jitter), Jitter, "must be within 0..1");
        ArgumentOutOfRangeException.ThrowIfLessThan(ReaperLease, TimeSpan.FromMilliseconds(1), nameof(ReaperLease));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMovesPerCall, 1, nameof(MaxMovesPerCall));
    }

    /// <summary>Exponential back-off with jitter for the <paramref name="failures"/>-th failure (1-based).</summary>
    public TimeSpan RetryDelay(int failures, Random random)
    {
        var full = Math.Min(RetryMaxDelay.TotalMilliseconds, RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(full * (1 - Jitter * random.NextDouble()));
    }
}
