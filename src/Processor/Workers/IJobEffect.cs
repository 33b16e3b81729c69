using ContactCenter.Stores.Queue;

namespace ContactCenter.Processor.Workers;

/// <summary>How a call ended, as the queue must treat it.</summary>
internal enum EffectOutcome
{
    /// <summary>Applied now.</summary>
    Done,

    /// <summary>The service already applied this idempotency key (an earlier attempt got through): done, not again.</summary>
    AlreadyDone,

    /// <summary>Refused for itself (a 4xx other than 408/409/429): retrying the same request cannot help.</summary>
    Rejected,
}

/// <summary>The side effect a worker runs for one job. Transient failures throw (the resilience pipeline retries them).</summary>
internal interface IJobEffect
{
    Task<EffectOutcome> RunAsync(LeasedJob job, JobPayload payload, CancellationToken ct);
}

/// <summary>A failure worth retrying: a 5xx, 408, 429, a timeout or a broken connection.</summary>
internal sealed class TransientEffectException(string message) : Exception(message);
