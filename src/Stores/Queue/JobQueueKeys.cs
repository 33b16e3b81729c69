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
/// On a Redis Cluster every script of the queue (and the fence call that queues a job with the queue stage's write)
/// touches several of these keys at once, which must then share one hash slot: the queue's name carries a hash tag,
/// e.g. <c>cc:queue:{provisioning}</c>, so <c>cc:queue:{provisioning}:ready</c> and all its siblings hash alike
/// (<see cref="SharesOneSlot"/>, <see cref="EnsureUsableOn"/>). One server takes any name.
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

    /// <summary>True when every key of the queue (its own and its stage's <c>Q:req:{key}</c> hashes) lands in one hash
    /// slot: the queue's name carries a hash tag, which the suffixes appended to it cannot change.</summary>
    public bool SharesOneSlot => Redis.ClusterSlots.HasHashTag(Queue);

    /// <summary>Throws, saying what to do, when <paramref name="redis"/> is a Redis Cluster and the queue's keys would
    /// spread over slots (every multi-key script would fail with CROSSSLOT).</summary>
    public void EnsureUsableOn(IConnectionMultiplexer redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        if (!SharesOneSlot && Redis.ClusterSlots.IsCluster(redis))
            throw new InvalidOperationException(ClusterProblem(Queue));
    }

    /// <summary>Why a queue named <paramref name="queue"/> (no hash tag) cannot run on a Redis Cluster, and the fix.</summary>
    public static string ClusterProblem(string queue) =>
        $"queue '{queue}' has no hash tag: on a Redis Cluster its keys ({queue}:jobs, {queue}:ready, ...) land in different slots " +
        $"and every queue script fails with CROSSSLOT; name it with one, e.g. '{Suggest(queue)}', and move its keys with " +
        "the fix `contactcenter plan OLD NEW` prints (move-queue)";

    private static string Suggest(string queue)
    {
        var colon = queue.LastIndexOf(':');
        return colon >= 0 && colon < queue.Length - 1 ? queue[..(colon + 1)] + "{" + queue[(colon + 1)..] + "}" : "{" + queue + "}";
    }

    /// <summary>The list of jobs <paramref name="worker"/> holds.</summary>
    public RedisKey Processing(string worker) => Queue + ":processing:" + worker;
}
