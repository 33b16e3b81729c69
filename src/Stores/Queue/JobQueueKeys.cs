using StackExchange.Redis;

namespace ContactCenter.Stores.Queue;

/// <summary>
/// The Redis keys of one durable job queue, all under the queue's key <c>Q</c> (the queue sink's <c>queue</c>):
/// <list type="table">
/// <item><term><c>Q:jobs</c></term><description>hash: job id → payload, written once (the id is the idempotency key)</description></item>
/// <item><term><c>Q:ready</c></term><description>list of job ids waiting for a worker</description></item>
/// <item><term><c>Q:processing:{worker}</c></term><description>list: the jobs one worker holds</description></item>
/// <item><term><c>Q:leases</c></term><description>zset: job id → lease deadline (Unix ms); past it the reaper takes the job back</description></item>
/// <item><term><c>Q:holders</c></term><description>hash: job id → the worker holding it</description></item>
/// <item><term><c>Q:attempts</c></term><description>hash: job id → failed attempts so far</description></item>
/// <item><term><c>Q:delayed</c></term><description>zset: job id → when its retry is due (Unix ms)</description></item>
/// <item><term><c>Q:dead</c></term><description>list: jobs that used up their attempts</description></item>
/// <item><term><c>Q:status</c></term><description>hash: job id → <c>done</c> or <c>dead</c> once final</description></item>
/// <item><term><c>Q:errors</c></term><description>hash: job id → the last failure</description></item>
/// <item><term><c>Q:counts</c></term><description>hash: <c>done</c>, <c>dead</c>, <c>retries</c>, <c>reaped</c> counters</description></item>
/// <item><term><c>Q:reaper</c></term><description>string with a TTL: who may reap now</description></item>
/// </list>
/// </summary>
public sealed class JobQueueKeys
{
    public JobQueueKeys(string queue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        Queue = queue;
        Jobs = queue + ":jobs";
        Ready = queue + ":ready";
        Leases = queue + ":leases";
        Holders = queue + ":holders";
        Attempts = queue + ":attempts";
        Delayed = queue + ":delayed";
        Dead = queue + ":dead";
        Status = queue + ":status";
        Errors = queue + ":errors";
        Counts = queue + ":counts";
        Reaper = queue + ":reaper";
    }

    public string Queue { get; }
    public RedisKey Jobs { get; }
    public RedisKey Ready { get; }
    public RedisKey Leases { get; }
    public RedisKey Holders { get; }
    public RedisKey Attempts { get; }
    public RedisKey Delayed { get; }
    public RedisKey Dead { get; }
    public RedisKey Status { get; }
    public RedisKey Errors { get; }
    public RedisKey Counts { get; }
    public RedisKey Reaper { get; }

    /// <summary>The list of jobs <paramref name="worker"/> holds.</summary>
    public RedisKey Processing(string worker) => Queue + ":processing:" + worker;
}
