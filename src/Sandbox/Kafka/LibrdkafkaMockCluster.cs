using ContactCenter.Processor.Kafka;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace ContactCenter.Sandbox.Kafka;

/// <summary>
/// librdkafka's mock cluster hosted in-process through its C API (P/Invoke into the native librdkafka that
/// librdkafka.redist ships). It listens on loopback TCP ports, so any Kafka client, in this process or another,
/// connects to <see cref="BootstrapServers"/> as to a real cluster. Everything is in memory and is gone once the
/// broker is disposed or the process exits. See docs/broker.md for what the mock does not support.
/// </summary>
internal sealed class LibrdkafkaMockCluster : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _createdTopics = new(StringComparer.Ordinal);
    private IntPtr _handle;   // rd_kafka_t that owns the cluster (a client that never connects anywhere)
    private IntPtr _cluster;  // rd_kafka_mock_cluster_t

    private LibrdkafkaMockCluster(IntPtr handle, IntPtr cluster, int brokerCount, string bootstrapServers)
    {
        _handle = handle;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
    }

    /// <summary>Comma-separated <c>host:port</c> list of the mock brokers (loopback, random ports).</summary>
    public string BootstrapServers { get; }

    /// <summary>Number of brokers in the mock cluster (ids 1..BrokerCount).</summary>
    public int BrokerCount { get; }

    /// <summary>Version of the native librdkafka hosting the cluster.</summary>
    public static string NativeVersion => LibrdkafkaMockApi.Version();

    /// <summary>
    /// Starts a mock cluster with <paramref name="brokers"/> brokers. The group initial rebalance delay is set to
    /// zero so that the first consumer of a group is assigned at once (a real broker defaults to 3 s).
    /// </summary>
    public static unsafe LibrdkafkaMockCluster Start(int brokers = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        var errors = stackalloc byte[512];
        var conf = LibrdkafkaMockApi.ConfNew();
        // The host client has no bootstrap servers on purpose; keep its notices about that off stderr.
        if (LibrdkafkaMockApi.ConfSet(conf, "log_level", "3", errors, 512) != LibrdkafkaMockApi.ConfOk)
        {
            LibrdkafkaMockApi.ConfDestroy(conf);
            throw new InvalidOperationException("librdkafka rejected log_level: " + Text(errors));
        }
        var handle = LibrdkafkaMockApi.New(LibrdkafkaMockApi.ProducerType, conf, errors, 512);
        if (handle == IntPtr.Zero)
        {
            LibrdkafkaMockApi.ConfDestroy(conf); // rd_kafka_new only takes ownership of conf on success
            throw new InvalidOperationException("rd_kafka_new failed: " + Text(errors));
        }
        var cluster = LibrdkafkaMockApi.MockClusterNew(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            LibrdkafkaMockApi.Destroy(handle);
            throw new InvalidOperationException($"rd_kafka_mock_cluster_new({brokers}) failed (could not listen on loopback?)");
        }
        LibrdkafkaMockApi.MockGroupInitialRebalanceDelayMs(cluster, 0);
        var bootstraps = Marshal.PtrToStringUTF8(LibrdkafkaMockApi.MockClusterBootstraps(cluster)) ?? "";
        return new LibrdkafkaMockCluster(handle, cluster, brokers, bootstraps);
    }

    /// <summary>
    /// Sets how long the coordinator waits for more members before the first rebalance of an empty group.
    /// Zero (the default here) makes single consumers fast; a little delay avoids back-to-back rebalances when
    /// several members start together.
    /// </summary>
    public void SetInitialRebalanceDelay(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (_gate)
        {
            ThrowIfDisposed();
            LibrdkafkaMockApi.MockGroupInitialRebalanceDelayMs(_cluster, checked((int)delay.TotalMilliseconds));
        }
    }

    /// <summary>
    /// Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions. Idempotent: an existing topic
    /// with the same partition count is fine; one with a different count throws, because silently using it would
    /// break co-partitioning.
    /// </summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);
        int err;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_createdTopics.TryGetValue(topic, out var known))
            {
                EnsureSamePartitions(topic, partitions, known);
                return;
            }
            err = LibrdkafkaMockApi.MockTopicCreate(_cluster, topic, partitions, replicationFactor);
            if (err == LibrdkafkaMockApi.NoError)
            {
                _createdTopics[topic] = partitions;
                return;
            }
        }
        if (err != LibrdkafkaMockApi.TopicAlreadyExists)
            throw new KafkaException(new Error((ErrorCode)err, $"Creating topic '{topic}' on the mock cluster failed: {LibrdkafkaMockApi.ErrorText(err)}"));

        // Created behind our back (auto-creation on produce makes 4 partitions): ask the cluster what it has.
        var existing = PartitionCountFromMetadata(topic);
        lock (_gate) _createdTopics[topic] = existing;
        EnsureSamePartitions(topic, partitions, existing);
    }

    /// <summary>Reads a topic's partition count from cluster metadata (0 when the cluster does not know it).</summary>
    internal int PartitionCountFromMetadata(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers })
            .SetLogHandler((_, _) => { })
            .Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        var entry = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        return entry is null || entry.Error.IsError ? 0 : entry.Partitions.Count;
    }

    private static void EnsureSamePartitions(string topic, int wanted, int existing)
    {
        if (wanted != existing)
            throw new InvalidOperationException(
                $"Topic '{topic}' already exists with {existing} partitions, not {wanted}.");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);

    private static unsafe string Text(byte* errors) => Marshal.PtrToStringUTF8((IntPtr)errors) ?? "";

    /// <summary>
    /// Stops the brokers and frees the native cluster. Safe to call more than once and from several threads.
    /// Clients still connected see their connections drop, as with a real broker going away.
    /// </summary>
    public void Dispose()
    {
        IntPtr cluster, handle;
        lock (_gate)
        {
            cluster = _cluster;
            handle = _handle;
            _cluster = IntPtr.Zero;
            _handle = IntPtr.Zero;
        }
        // The cluster lives inside the host client's bookkeeping: destroy it first, then the client.
        if (cluster != IntPtr.Zero) LibrdkafkaMockApi.MockClusterDestroy(cluster);
        if (handle != IntPtr.Zero) LibrdkafkaMockApi.Destroy(handle);
    }

    /// <inheritdoc />
    public override string ToString() => $"LibrdkafkaMockCluster({BrokerCount} brokers, {BootstrapServers})";
}
