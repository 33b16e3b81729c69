using ContactCenter.Broker.Log;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Broker;

/// <summary>
/// The embedded Kafka-protocol broker: <c>brokers</c> loopback listeners (ids 1..n) in this process sharing one
/// in-memory cluster state, spoken to over TCP like a real cluster by any Kafka client. See docs/broker.md for the
/// APIs and versions it serves and what it does not do.
/// </summary>
public sealed class KafkaBroker : IDisposable, IAsyncDisposable
{
    private readonly ClusterState _cluster;
    private readonly List<BrokerListener> _listeners;
    private readonly Timer _housekeeping;
    private int _disposed;
    private readonly LogCleaner _cleaner;
    private long _lastFsyncMs;

    private KafkaBroker(ClusterState cluster, List<BrokerListener> listeners)
    {
        _cluster = cluster;
        _listeners = listeners;
        BootstrapServers = string.Join(",", listeners.Select(l => $"{l.Node.Host}:{l.Node.Port}"));
        _housekeeping = new Timer(_ => Housekeep(), null, cluster.Options.HousekeepingInterval, cluster.Options.HousekeepingInterval);
        _cleaner = new LogCleaner(cluster);
    }

    /// <summary>Comma-separated <c>host:port</c> of every broker.</summary>
    public string BootstrapServers { get; }

    public int BrokerCount => _listeners.Count;

    internal ClusterState Cluster => _cluster;

    /// <summary>
    /// Starts <paramref name="brokers"/> brokers on loopback: on random ports, or where
    /// <see cref="KafkaBrokerOptions.Listeners"/> says (fixed ports survive a restart of the process; security per broker).
    /// </summary>
    /// <param name="logger">where the broker reports what it cannot do for a client (nothing by default).</param>
    public static KafkaBroker Start(int brokers = 1, KafkaBrokerOptions? options = null, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        options ??= new KafkaBrokerOptions();
        options.Validate(brokers);
        var cluster = new ClusterState(options, logger ?? NullLogger.Instance);
        var listeners = new List<BrokerListener>();
        try
        {
            for (var id = 1; id <= brokers; id++)
            {
                var listener = new BrokerListener(cluster, id, options.Listeners?[id - 1]);
                listeners.Add(listener);
                cluster.Brokers.Add(listener.Node);
            }
        }
        catch
        {
            foreach (var listener in listeners) listener.DisposeAsync().AsTask().GetAwaiter().GetResult();
            cluster.Dispose();
            throw;
        }
        cluster.LoadPersisted();
        foreach (var listener in listeners) listener.Start();
        return new KafkaBroker(cluster, listeners);
    }

    /// <summary>
    /// Creates a topic. Idempotent for the same partition count; a different count throws (co-partitioning depends
    /// on it). Configs are Kafka topic configs (e.g. <c>cleanup.policy=compact</c>, <c>retention.ms</c>).
    /// </summary>
    public void CreateTopic(string topic, int partitions, IReadOnlyDictionary<string, string>? configs = null, short replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(partitions, Handlers.CreateTopicsHandler.MaxPartitions);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, (short)1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, (short)BrokerCount);
        if (Handlers.TopicNames.Validate(topic) is { } bad) throw new ArgumentException(bad, nameof(topic));
        foreach (var (name, value) in configs ?? new Dictionary<string, string>())
            if (TopicConfigs.Validate(name, value) is { } reason) throw new ArgumentException(reason, nameof(configs));
        if (!_cluster.TryCreate(topic, partitions, replicationFactor, configs ?? new Dictionary<string, string>(), out var existing)
            && existing.Partitions.Count != partitions)
            throw new InvalidOperationException($"Topic '{topic}' already exists with {existing.Partitions.Count} partitions, not {partitions}.");
    }

    /// <summary>Drops every client connection of every broker (clients reconnect): failure injection for tests.</summary>
    public void DropConnections()
    {
        foreach (var listener in _listeners) listener.DropConnections();
    }

    /// <summary>
    /// Stops broker <paramref name="id"/> (1..<see cref="BrokerCount"/>): its port refuses connections, its open ones
    /// close, and leadership of its partitions moves to the next replica that is up; partitions with no such replica
    /// have no leader (clients retry) until <see cref="RestartBrokerAsync"/>. Logs and groups are kept.
    /// </summary>
    public async Task StopBrokerAsync(int id)
    {
        var listener = Listener(id);
        _cluster.SetUp(id, up: false);
        await listener.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Starts a stopped broker again on the same port; it leads its preferred partitions again.</summary>
    public Task RestartBrokerAsync(int id)
    {
        Listener(id).Start();
        _cluster.SetUp(id, up: true);
        return Task.CompletedTask;
    }

    /// <summary>Makes every response of broker <paramref name="id"/> wait <paramref name="delay"/> (zero: none).</summary>
    public void DelayResponses(int id, TimeSpan delay) => Listener(id).ResponseDelay = delay;

    private BrokerListener Listener(int id) =>
        _listeners.Find(l => l.Node.Id == id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, $"no broker {id}; brokers are 1..{BrokerCount}");

    private void Housekeep()
    {
        try
        {
            _cluster.Groups.Tick();
            _cluster.Transactions.Tick();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var topic in _cluster.Topics)
            {
                var policy = _cluster.ConfigValue(topic, "cleanup.policy");
                if (!policy.Contains("delete", StringComparison.Ordinal)) continue;
                var retentionMs = topic.ConfigLong("retention.ms", 604800000);
                var retentionBytes = topic.ConfigLong("retention.bytes", -1);
                foreach (var partition in topic.Partitions) partition.ApplyRetention(retentionMs, retentionBytes, now);
            }
            if (_cluster.Options.Fsync == FsyncMode.Interval && now - _lastFsyncMs >= _cluster.Options.FsyncInterval.TotalMilliseconds)
            {
                _lastFsyncMs = now;
                foreach (var topic in _cluster.Topics)
                    foreach (var partition in topic.Partitions) partition.SyncIfDirty();
                _cluster.Groups.SyncJournal();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _cluster.Logger.LogWarning("Broker housekeeping failed: {Message}", e.Message);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _housekeeping.DisposeAsync().ConfigureAwait(false);
        _cleaner.Dispose();
        foreach (var listener in _listeners) await listener.DisposeAsync().ConfigureAwait(false);
        _cluster.Dispose();
    }

    public override string ToString() => $"KafkaBroker({BrokerCount} brokers, {BootstrapServers})";
}
