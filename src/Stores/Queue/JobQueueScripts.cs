namespace ContactCenter.Stores.Queue;

/// <summary>
/// The Lua steps of <see cref="RedisJobQueue"/>. Each moves a job between the queue's keys in one atomic step, so a
/// job is always in exactly one place (ready, one worker's processing list with a lease, delayed, dead or done) and a
/// crash of any client between two steps loses nothing. Every key a script touches is in its KEYS: Garnet (with
/// <c>--lua-transaction-mode</c>) locks exactly those. Times are Unix ms computed by the caller and passed as strings,
/// so no script converts a large number (Redis runs Lua 5.1, Garnet Lua 5.4).
/// </summary>
internal static class JobQueueScripts
{
    /// <summary>Counts a failed attempt of a job; on its last, moves it to the dead list: true when it is dead now.
    /// Shared by <see cref="Fail"/> and <see cref="Reap"/>.</summary>
    private const string CountFailure = """
        local function count_failure(attempts, dead, status, counts, id, max)
          if redis.call('HINCRBY', attempts, id, 1) < tonumber(max) then return false end
          redis.call('RPUSH', dead, id)
          redis.call('HSET', status, id, 'dead')
          redis.call('HINCRBY', counts, 'dead', 1)
          return true
        end

        """;

    /// <summary>KEYS jobs, ready. ARGV id, payload. 1 when the job is new (and queued), 0 when the id was seen before.</summary>
    public const string Enqueue = """
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
          redis.call('RPUSH', KEYS[2], ARGV[1])
          return 1
        end
        return 0
        """;

    /// <summary>
    /// KEYS ready, processing, leases, holders, delayed, jobs, attempts. ARGV worker, now, lease deadline, most jobs,
    /// most retries to move. Moves due retries to the ready list, then leases up to the most jobs to the worker:
    /// returns id, payload, failed attempts, for each.
    /// </summary>
    public const string Claim = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[5]))
        for _, id in ipairs(due) do
          redis.call('ZREM', KEYS[5], id)
          redis.call('RPUSH', KEYS[1], id)
        end
        local out = {}
        for i = 1, tonumber(ARGV[4]) do
          local id = redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
          if not id then break end
          redis.call('ZADD', KEYS[3], ARGV[3], id)
          redis.call('HSET', KEYS[4], id, ARGV[1])
          out[#out + 1] = id
          out[#out + 1] = redis.call('HGET', KEYS[6], id) or ''
          out[#out + 1] = redis.call('HGET', KEYS[7], id) or '0'
        end
        return out
        """;

    /// <summary>KEYS processing, leases, holders, status, counts. ARGV id. 1 when done, 0 when the worker no longer held it.</summary>
    public const string Complete = """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        redis.call('HSET', KEYS[4], ARGV[1], 'done')
        redis.call('HINCRBY', KEYS[5], 'done', 1)
        return 1
        """;

    /// <summary>
    /// KEYS processing, leases, holders, attempts, delayed, dead, status, errors, counts. ARGV id, retry due at, max
    /// attempts, error. 1 when delayed for a retry, 2 when dead, 0 when the worker no longer held it.
    /// </summary>
    public const string Fail = CountFailure + """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        redis.call('HSET', KEYS[8], ARGV[1], ARGV[4])
        if count_failure(KEYS[4], KEYS[6], KEYS[7], KEYS[9], ARGV[1], ARGV[3]) then return 2 end
        redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
        redis.call('HINCRBY', KEYS[9], 'retries', 1)
        return 1
        """;

    /// <summary>KEYS processing, leases, holders, ready. ARGV id. Gives an unfinished job back, first in line, without
    /// counting an attempt (a graceful stop). 1 when given back, 0 when the worker no longer held it.</summary>
    public const string Release = """
        if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        redis.call('LPUSH', KEYS[4], ARGV[1])
        return 1
        """;

    /// <summary>
    /// KEYS processing (of the holder), leases, holders, attempts, ready, dead, status, counts, errors. ARGV id,
    /// holder, now, max attempts. Takes back a job whose lease expired (its worker is gone or stuck) and counts the
    /// attempt: 1 when back in the ready list, 2 when that was its last attempt (dead), 0 when the lease was renewed,
    /// finished or taken back meanwhile.
    /// </summary>
    public const string Reap = CountFailure + """
        local lease = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if (not lease) or tonumber(lease) > tonumber(ARGV[3]) then return 0 end
        if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
        local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
        if removed == 0 then return 0 end
        redis.call('HINCRBY', KEYS[8], 'reaped', 1)
        redis.call('HSET', KEYS[9], ARGV[1], 'lease expired: the worker stopped or hung')
        if count_failure(KEYS[4], KEYS[6], KEYS[7], KEYS[8], ARGV[1], ARGV[4]) then return 2 end
        redis.call('RPUSH', KEYS[5], ARGV[1])
        return 1
        """;

    /// <summary>
    /// KEYS jobs, status, dead, attempts, ready, errors, counts. ARGV id. Queues a finished (done or dead) job again with fresh
    /// attempts (reconciliation): 1 when queued, 0 when it is still pending or in flight, -1 when the id is unknown.
    /// </summary>
    public const string Requeue = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
        local status = redis.call('HGET', KEYS[2], ARGV[1])
        if not status then return 0 end
        redis.call('HINCRBY', KEYS[7], status, -1)
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('LREM', KEYS[3], 0, ARGV[1])
        redis.call('HDEL', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[6], ARGV[1])
        redis.call('RPUSH', KEYS[5], ARGV[1])
        return 1
        """;

    /// <summary>KEYS reaper. ARGV owner, lease ms. 1 when <c>owner</c> holds (or renewed) the reaper's lease.</summary>
    public const string ReaperLease = """
        local held = redis.call('GET', KEYS[1])
        if held == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if not held then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
        """;
}
