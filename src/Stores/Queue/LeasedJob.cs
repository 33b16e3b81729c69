namespace ContactCenter.Stores.Queue;

/// <summary>A job a worker holds: its id (the idempotency key), its payload and how many attempts failed before.</summary>
public sealed record LeasedJob(string Id, string Payload, int FailedAttempts);

/// <summary>What became of a job a worker reported failed.</summary>
public enum FailOutcome
{
    /// <summary>The worker no longer held it (its lease expired and the reaper took it back): nothing changed.</summary>
    NotHeld,

    /// <summary>Delayed; it comes back to the ready list after its back-off.</summary>
    Retrying,

    /// <summary>It used up its attempts and is on the dead list.</summary>
    Dead,
}

/// <summary>A job taken back from a worker whose lease expired.</summary>
public sealed record ReapedJob(string Id, string Worker, bool Dead);

/// <summary>How many jobs are where, at one moment (read in one pipelined round trip, not atomically).</summary>
public sealed record QueueCounts(long Jobs, long Ready, long InFlight, long Retrying, long Dead, long Done, long Retries, long Reaped);

/// <summary>One job as reconciliation sees it: its payload and, once final, <c>done</c> or <c>dead</c> (null while pending).</summary>
public sealed record JobRecord(string Id, string Payload, string? Status);
