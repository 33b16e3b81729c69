using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>One window's count from one input partition, fenced by the input offset that made it.</summary>
public readonly record struct WindowHashWrite(string Key, int Partition, long Offset, long Count, long Start, long End);

/// <summary>
/// Writes window counts to Redis: one hash per group and window (<c>{pattern}:{start}</c>) holding, per input partition,
/// its count (<c>p:{partition}</c>) and the input offset that made it (<c>o:{partition}</c>), their sum (<c>count</c>,
/// recomputed from the shares on every write rather than moved by a difference: it can never drift from them),
/// <c>start</c> and <c>end</c>, with a TTL refreshed on every write. The script applies a write only when its offset is
/// above the partition's in the hash and sets the partition's count as an absolute value: a write replayed after a crash
/// or a redelivery (same or lower offset) changes nothing, and a recount from the same records writes the same value, so
/// no count is ever added twice. One key per write: every write lands on one Redis Cluster slot, and the progress it
/// needs lives in the key itself.
/// </summary>
/// <remarks>A write that fails for a reason that heals by itself (a timeout, a lost connection, a failover: see
/// <see cref="RedisFailures"/>) is sent again with the fenced writer's back-off until it gets through or the caller stops:
/// the scripts are idempotent, so a write applied before its reply was lost changes nothing the second time.</remarks>
public sealed class WindowHashWriter(IDatabase database, TimeSpan ttl, ILogger? logger = null, TimeSpan? maxRetryDelay = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly TimeSpan _maxRetryDelay = maxRetryDelay ?? TimeSpan.FromSeconds(5);

    // KEYS[1] window hash; ARGV: partition, offset, count, ttl ms, start, end.
    private const string Script = """
        local seen = redis.call('HGET', KEYS[1], 'o:' .. ARGV[1])
        if seen and tonumber(seen) >= tonumber(ARGV[2]) then return 0 end
        redis.call('HSET', KEYS[1], 'p:' .. ARGV[1], ARGV[3], 'o:' .. ARGV[1], ARGV[2], 'start', ARGV[5], 'end', ARGV[6])
        local total = 0
        local fields = redis.call('HGETALL', KEYS[1])
        for i = 1, #fields, 2 do
            if string.sub(fields[i], 1, 2) == 'p:' then total = total + tonumber(fields[i + 1]) end
        end
        redis.call('HSET', KEYS[1], 'count', total)
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return 1
        """;

    private readonly long _ttlMs = (long)ttl.TotalMilliseconds;

    /// <summary>Sends the writes pipelined and waits for Redis to acknowledge all of them, retrying transient failures
    /// until <paramref name="stop"/> is cancelled.</summary>
    /// <returns>How many applied (the others were already there, or applied by an attempt whose reply was lost).</returns>
    public async Task<int> WriteAsync(IReadOnlyCollection<WindowHashWrite> writes, CancellationToken stop = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await WriteOnceAsync(writes).ConfigureAwait(false);
            }
            catch (Exception error) when (RedisFailures.IsTransient(error) && !stop.IsCancellationRequested)
            {
                var delay = RedisFailures.Backoff(attempt, _maxRetryDelay);
                _logger.LogWarning("Window writes: Redis failed ({Reason}, attempt {Attempt}); retrying in {Delay}", error.Message, attempt + 1, delay);
                await Task.Delay(delay, stop).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> WriteOnceAsync(IReadOnlyCollection<WindowHashWrite> writes)
    {
        if (writes.Count == 0) return 0;
        var pending = new List<Task<RedisResult>>(writes.Count);
        foreach (var w in writes)
            pending.Add(database.ScriptEvaluateAsync(Script, [w.Key], [w.Partition, w.Offset, w.Count, _ttlMs, w.Start, w.End]));
        var applied = 0;
        foreach (var result in await Task.WhenAll(pending).ConfigureAwait(false))
            applied += (int)result;
        return applied;
    }

    /// <summary>The count a window's hash holds (the sum over partitions), or null when there is none.</summary>
    public static async Task<long?> ReadCountAsync(IDatabase database, string key)
    {
        var value = await database.HashGetAsync(key, "count").ConfigureAwait(false);
        return value.IsNull ? null : (long)value;
    }
}
