using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// Publishes what a <see cref="FencedStateWriter"/> applied, once Redis acknowledged it, on one pub/sub channel
/// (<c>{prefix}:{stage}</c>): one message per batch (<see cref="StateChangeMessage"/>), fire-and-forget so the writer
/// loop never waits for it. Commands on one multiplexer leave in order, so each partition's changes are published in
/// offset order. Pub/sub is at-most-once: a subscriber that lost its connection catches up from the hashes themselves.
/// </summary>
public sealed class StateChangePublisher(IConnectionMultiplexer redis, string channel, ILogger logger)
{
    private readonly ISubscriber _subscriber = redis.GetSubscriber();
    private readonly RedisChannel _channel = RedisChannel.Literal(channel);
    private long _published;
    private int _warned;

    /// <summary>Changes published so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Now as fractional Unix milliseconds (the feed's latency is measured from it).</summary>
    public static double UnixMsNow() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / (double)TimeSpan.TicksPerMillisecond;

    /// <summary>Handler for <see cref="FencedStateWriter.Acknowledged"/>: publishes the batch's applied writes, if any.</summary>
    public void OnAcknowledged(BatchAcknowledged batch)
    {
        if (batch.AppliedWrites.Count == 0) return;
        var message = StateChangeMessage.Encode(batch.AppliedWrites, UnixMsNow());
        try
        {
            _subscriber.Publish(_channel, message, CommandFlags.FireAndForget);
            Interlocked.Add(ref _published, batch.AppliedWrites.Count);
        }
        catch (RedisException error)
        {
            // The state is in Redis already; subscribers that missed this catch up from it when they reconnect.
            if (Interlocked.Exchange(ref _warned, 1) == 0)
                logger.LogWarning(error, "Could not publish acknowledged changes on {Channel}; feed subscribers catch up from Redis on reconnect", channel);
        }
    }
}
