using ContactCenter.Processor.Workers;
using ContactCenter.Stores.Queue;

namespace ContactCenter.Processor.Operations;

/// <summary>The outcome of one reconciliation.</summary>
/// <param name="Jobs">Jobs the pipeline queued.</param>
/// <param name="Agents">Distinct agents those jobs are for.</param>
/// <param name="Confirmed">Agents the downstream service lists.</param>
/// <param name="Pending">Agents with a job still waiting, running or retrying: not judged yet.</param>
/// <param name="Missing">Agents whose jobs all ended (done or dead) that the service does not list.</param>
/// <param name="Extra">Agents the service lists that no job asked for.</param>
/// <param name="Requeued">Jobs queued again (only with execute).</param>
internal sealed record ReconcileReport(int Jobs, int Agents, int Confirmed, int Pending, IReadOnlyList<string> Missing, IReadOnlyList<string> Extra,
    int Requeued, bool Executed);

/// <summary>
/// Compares what the pipeline believes it provisioned (the queue's jobs and their final status) with what the
/// downstream service confirms, and, when told to, queues again one job of every agent that is missing. Jobs keep
/// their idempotency keys, so a requeued job that the service did apply after all is refused with 409 and counted done.
/// Running it twice changes nothing the second time: the requeued jobs are pending until they end.
/// </summary>
internal static class Reconciler
{
    public static async Task<ReconcileReport> RunAsync(RedisJobQueue queue, IProvisionedAgents downstream, bool execute, CancellationToken ct)
    {
        var confirmed = (await downstream.ListAsync(ct).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var byAgent = new Dictionary<string, List<JobRecord>>(StringComparer.Ordinal);
        var jobs = 0;
        await foreach (var job in queue.ScanJobsAsync().WithCancellation(ct).ConfigureAwait(false))
        {
            jobs++;
            if (JobPayload.TryParse(job.Payload) is not { } payload) continue;
            if (!byAgent.TryGetValue(payload.Key, out var list)) byAgent[payload.Key] = list = [];
            list.Add(job);
        }
        var pending = byAgent.Count(a => a.Value.Any(j => j.Status is null));
        var missing = byAgent.Where(a => !confirmed.Contains(a.Key) && a.Value.All(j => j.Status is not null))
            .Select(a => a.Key).Order(StringComparer.Ordinal).ToList();
        var extra = confirmed.Where(a => !byAgent.ContainsKey(a)).Order(StringComparer.Ordinal).ToList();
        var requeued = 0;
        if (execute)
        {
            foreach (var agent in missing)
            {
                // One job per agent is enough: the oldest, the one the pipeline first asked for.
                var job = byAgent[agent].OrderBy(j => j.Id, StringComparer.Ordinal).First();
                if (await queue.RequeueAsync(job.Id).ConfigureAwait(false) == 1) requeued++;
            }
        }
        return new ReconcileReport(jobs, byAgent.Count, confirmed.Count, pending, missing, extra, requeued, execute);
    }
}
