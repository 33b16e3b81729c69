using Confluent.Kafka;

namespace ContactCenter.Processor.Kafka;

/// <summary>
/// Low-latency client settings chosen for the embedded mock cluster and valid against a real cluster.
/// The reasons and the measured latencies are in docs/broker.md. Callers may adjust the returned objects.
/// </summary>
internal static class KafkaClientDefaults
{
    /// <summary>
    /// The partitioner every producer of a co-partitioned topic must share: murmur2 on the key, as Java clients and
    /// Kafka Streams do (librdkafka's own default, CRC32, would place the same key elsewhere). Set it on Streamiz
    /// configurations too.
    /// </summary>
    public static Partitioner KeyPartitioner => Partitioner.Murmur2Random;

    /// <summary>
    /// Session timeout of <see cref="Consumer"/>: 6 s, the smallest a Kafka broker accepts by default
    /// (<c>group.min.session.timeout.ms</c>).
    /// </summary>
    public const int SessionTimeoutMs = 6000;

    /// <summary>
    /// <c>fetch.wait.max.ms</c> of the stages' consumers: a Kafka broker (and the embedded native one) answers a fetch as
    /// soon as <c>fetch.min.bytes</c> (1) has arrived, so a long wait adds no latency and an idle consumer sends two
    /// fetches a second instead of a thousand. The librdkafka mock holds every empty fetch for the whole wait: run it
    /// with <see cref="MockStageFetchWaitMaxMs"/>.
    /// </summary>
    public const int StageFetchWaitMaxMs = 500;

    /// <summary>The stages' fetch wait on the librdkafka mock, which does not answer a waiting fetch when data arrives.</summary>
    public const int MockStageFetchWaitMaxMs = 1;

    /// <summary>Security settings every client of this process uses (set once by the pod before it starts a stage).</summary>
    public static KafkaSecurity Security { get; set; } = KafkaSecurity.None;

    /// <summary>
    /// Session timeout of <see cref="ConsumerForEmbedded"/>. The mock waits <c>session.timeout.ms - 1 s</c> in every
    /// join and leave, so 3 s makes a rebalance take about 2 s instead of 5 s.
    /// </summary>
    public const int EmbeddedSessionTimeoutMs = 3000;

    /// <summary>
    /// Producer settings: send at once (no linger), acks from all in-sync replicas, idempotent (no duplicates or
    /// reordering on retries; the mock supports it), Java-compatible key partitioning.
    /// </summary>
    public static ProducerConfig Producer(string bootstrapServers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            // A record waits for nothing before it is sent; under load librdkafka still batches whatever
            // accumulated while the previous request was in flight, so throughput stays high.
            LingerMs = 0,
            Partitioner = KeyPartitioner,
            SocketNagleDisable = true,
        };
        Security.Apply(config);
        return config;
    }

    /// <summary>
    /// Consumer settings for group <paramref name="groupId"/>: manual commits, start from the earliest offset when
    /// the group has none, short fetch waits (the mock holds an empty fetch for the whole wait even when data
    /// arrives), the shortest session a real broker accepts, and cooperative rebalancing so that members keep the
    /// partitions they own while the group changes.
    /// </summary>
    public static ConsumerConfig Consumer(string bootstrapServers, string groupId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 5,
            FetchMinBytes = 1,
            SessionTimeoutMs = SessionTimeoutMs,
            HeartbeatIntervalMs = SessionTimeoutMs / 3,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            SocketNagleDisable = true,
        };
        Security.Apply(config);
        return config;
    }

    /// <summary>Admin client settings (with the process's security settings).</summary>
    public static AdminClientConfig Admin(string bootstrapServers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        var config = new AdminClientConfig { BootstrapServers = bootstrapServers };
        Security.Apply(config);
        return config;
    }

    /// <summary>
    /// <see cref="Consumer"/> with a 3 s session, for the embedded mock only (a real broker rejects sessions under
    /// its <c>group.min.session.timeout.ms</c>, 6 s by default). Group joins and leaves take ~2 s instead of ~5 s.
    /// </summary>
    public static ConsumerConfig ConsumerForEmbedded(string bootstrapServers, string groupId)
    {
        var config = Consumer(bootstrapServers, groupId);
        config.SessionTimeoutMs = EmbeddedSessionTimeoutMs;
        config.HeartbeatIntervalMs = EmbeddedSessionTimeoutMs / 3;
        return config;
    }
}
