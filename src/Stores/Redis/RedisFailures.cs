using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>Which Redis failures heal by themselves (retry) and which never will (fault the writer).</summary>
internal static class RedisFailures
{
    // Server replies that mean "not now" rather than "never": loading a snapshot, a script still running,
    // failover in progress, cluster resharding, a restarted server that lost its script cache (the client
    // library normally resends the script itself; retrying covers the case where it does not).
    private static readonly string[] TransientServerPrefixes =
        ["LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "NOSCRIPT"];

    public static bool IsTransient(Exception error) => error switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException => true,
        RedisServerException server => IsTransientServerReply(server.Message),
        ObjectDisposedException => false,
        RedisException => true, // client-side failures (e.g. a connection torn down mid-flight)
        _ => false,
    };

    private static bool IsTransientServerReply(string message)
    {
        foreach (var prefix in TransientServerPrefixes)
        {
            if (message.StartsWith(prefix, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>
    /// A reply that belongs to the one write, not to Redis: the key it addresses holds another type (a foreign value
    /// where an agent hash should be). Retrying cannot fix it and other writes are unaffected, so the write is refused
    /// and dead-lettered while the stage goes on. Every other permanent error (scripts disabled, out of memory, no
    /// permission) belongs to the world and stops the writer.
    /// </summary>
    public static bool IsRecordBound(Exception error) =>
        error is RedisServerException server && server.Message.Contains("WRONGTYPE", StringComparison.Ordinal);

    /// <summary>Exponential back-off from 50 ms, capped, with up to 20 % jitter so pods do not retry in lockstep.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan max)
    {
        var baseMs = 50.0 * Math.Pow(2, Math.Min(attempt, 16));
        var capped = Math.Min(baseMs, max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + 0.2 * Random.Shared.NextDouble()));
    }
}
