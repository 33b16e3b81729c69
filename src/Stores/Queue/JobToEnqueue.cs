namespace ContactCenter.Stores.Queue;

/// <summary>
/// A job to queue atomically with a fenced state write (<see cref="Redis.AgentStateWrite.Job"/>).
/// </summary>
/// <param name="Queue">The queue's key (<see cref="JobQueueKeys"/>).</param>
/// <param name="Id">Idempotency key: the same for every delivery of the record, e.g. <c>stage:partition:offset:sink</c>.</param>
/// <param name="Payload">What the worker receives.</param>
public sealed record JobToEnqueue(string Queue, string Id, string Payload)
{
    /// <summary>The idempotency key of the job a record at (<paramref name="partition"/>, <paramref name="offset"/>) of
    /// <paramref name="stage"/> produces for <paramref name="sink"/>.</summary>
    public static string IdOf(string stage, int partition, long offset, string sink) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{stage}:{partition}:{offset}:{sink}");
}
