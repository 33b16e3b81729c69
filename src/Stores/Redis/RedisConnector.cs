using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>Connects to Redis or Garnet with settings suited to a long-running stage.</summary>
public static class RedisConnector
{
    /// <summary>
    /// Connects to <paramref name="endpoint"/> ("host:port", or any StackExchange.Redis configuration string): a Redis
    /// Cluster from any of its nodes ("h1:p1,h2:p2", the client finds the rest and follows MOVED/ASK), a Sentinel-watched
    /// primary from its sentinels and service name ("s1:26379,s2:26379,serviceName=NAME", or
    /// <see cref="ConfigurationOptions.ServiceName"/> set by <paramref name="configure"/>): the connection follows failovers.
    /// Does not fail when the server is down (abortConnect=false): the multiplexer keeps reconnecting in the
    /// background and commands fail fast until it is back, which the fenced writer retries.
    /// </summary>
    public static async Task<IConnectionMultiplexer> ConnectAsync(string endpoint, Action<ConfigurationOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        var options = ConfigurationOptions.Parse(endpoint);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5_000;
        options.SyncTimeout = 5_000;
        options.AsyncTimeout = 5_000;
        options.ConnectRetry = 3;
        options.KeepAlive = 15;
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 5_000);
        configure?.Invoke(options);
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }
}
