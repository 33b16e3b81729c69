using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Dedup claims in Redis (first write wins across every pod). A claim made for a record is owned by the record
/// (<see cref="FirstWriteWins.TryClaimForRecordAsync"/>), so a pod killed between the claim and the write it guards
/// cannot hide the redelivered record. Redis being away is the world's failure, not the record's: a transient error is
/// retried with back-off until it heals or the stage stops.
/// </summary>
internal sealed class RedisDedupStore(IDatabase db, string stage, ILogger logger, CancellationToken stopping) : IDedupStore
{
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{stage}";

    public async ValueTask<bool> TryClaimAsync(string id, string? record, TimeSpan ttl)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return record is null
                    ? await FirstWriteWins.TryClaimAsync(db, id, _owner, ttl).ConfigureAwait(false)
                    : await FirstWriteWins.TryClaimForRecordAsync(db, id, record, ttl).ConfigureAwait(false);
            }
            catch (Exception error) when (RedisFailures.IsTransient(error))
            {
                var delay = RedisFailures.Backoff(attempt, TimeSpan.FromSeconds(5));
                logger.LogWarning(error, "Dedup claim failed (attempt {Attempt}); retrying in {Delay}", attempt + 1, delay);
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
        }
    }
}
