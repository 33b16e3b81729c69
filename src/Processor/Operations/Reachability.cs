using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations;

/// <summary>A cluster an operation needs could not be reached: the message is one line naming it and the setting to check.</summary>
internal sealed class UnreachableException(string message) : Exception(message);

/// <summary>
/// The first contact of every operator verb with Kafka and Redis, bounded in time and quiet: a verb whose cluster is
/// away fails with one line (<see cref="UnreachableException"/>) naming what it could not reach and the setting to
/// check, instead of librdkafka's reconnect log and a stack trace.
/// </summary>
internal static class Reachability
{
    /// <summary>How long a verb waits for a cluster before it gives up.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Asks the cluster for its metadata; throws <see cref="UnreachableException"/> when it does not answer
    /// (down, wrong address, refused credentials).</summary>
    public static async Task EnsureKafkaAsync(KafkaClientSettings kafka, TimeSpan timeout, CancellationToken ct = default)
    {
        var probe = await KafkaProbe.RunAsync(kafka, timeout, ct).ConfigureAwait(false);
        if (!probe.Reached)
            throw new UnreachableException(
                $"cannot reach Kafka at {kafka.BootstrapServers}: {probe.Detail} (check Kafka:BootstrapServers / --bootstrap-servers / CC__Kafka__BootstrapServers and the Kafka security settings)");
    }

    /// <summary>Connects and PINGs within <paramref name="timeout"/>; throws <see cref="UnreachableException"/> when
    /// Redis does not answer or refuses the credentials.</summary>
    public static async Task<IConnectionMultiplexer> ConnectRedisAsync(RedisOptions redis, TimeSpan timeout, CancellationToken ct = default)
    {
        IConnectionMultiplexer? connection = null;
        try
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(timeout);
            connection = await redis.ConnectAsync().WaitAsync(bound.Token).ConfigureAwait(false);
            while (!connection.IsConnected)
                await Task.Delay(50, bound.Token).ConfigureAwait(false);
            await connection.GetDatabase().PingAsync().WaitAsync(bound.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception error) when (error is OperationCanceledException or RedisException or TimeoutException && !ct.IsCancellationRequested)
        {
            var detail = error is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0} s" : error.Message.Split('\n')[0];
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            throw new UnreachableException($"cannot reach Redis at {redis.Endpoint}: {detail} (check Redis:Endpoint / --redis / CC__Redis__Endpoint and the Redis credentials)");
        }
    }
}
