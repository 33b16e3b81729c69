using Confluent.Kafka;

namespace ContactCenter.Processor.Kafka;

/// <summary>
/// Low-latency client settings chosen for the embedded brokers and valid against a real cluster; production code takes
/// its clients from <see cref="KafkaClientSettings"/> (with security and client id), which applies these.
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

    /// <summary>Heartbeat interval of a stage's consumer (state, queue and the aggregate's Streamiz consumer): how late a
    /// member may learn that a rebalance began, which every scale event's pause pays (docs/pipeline.md, "Scaling pods in
    /// and out").</summary>
    public const int StageHeartbeatMs = 250;

    /// <summary>
    /// <c>fetch.wait.max.ms</c> of the stages' consumers: a Kafka broker (and the embedded native one) answers a fetch as
    /// soon as <c>fetch.min.bytes</c> (1) has arrived, so a long wait adds no latency and an idle consumer sends two
    /// fetches a second instead of a thousand. The librdkafka mock holds every empty fetch for the whole wait: run it
    /// with <see cref="MockStageFetchWaitMaxMs"/>.
    /// </summary>
    public const int StageFetchWaitMaxMs = 500;

    /// <summary>The stages' fetch wait on the librdkafka mock, which does not answer a waiting fetch when data arrives.</summary>
    public const int MockStageFetchWaitMaxMs = 1;

    /// <summary>
    /// Session timeout of <see cref="ConsumerForEmbedded"/>. The mock waits <c>session.timeout.ms - 1 s</c> in every
    /// join and leave, so 3 s makes a rebalance take about 2 s instead of 5 s.
    /// </summary>
    public const int EmbeddedSessionTimeoutMs = 3000;

    /// <summary>
    /// Producer settings: send at once (no linger), acks from all in-sync replicas, idempotent (no duplicates or
    /// reordering on retries; the mock supports it), Java-compatible key partitioning.
    /// </summary>
    public static void ApplyProducer(ProducerConfig config)
    {
        config.Acks = Acks.All;
        config.EnableIdempotence = true;
        // A record waits for nothing before it is sent; under load librdkafka still batches whatever
        // accumulated while the previous request was in flight, so throughput stays high.
        config.LingerMs = 0;
        config.Partitioner = KeyPartitioner;
        config.SocketNagleDisable = true;
    }

    /// <summary>
    /// Consumer settings: manual commits, start from the earliest offset when the group has none, short fetch waits
    /// (the mock holds an empty fetch for the whole wait even when data arrives; stages use
    /// <see cref="KafkaClientSettings.StageConsumer"/>), the given session, and cooperative rebalancing so that members
    /// keep the partitions they own while the group changes.
    /// </summary>
    public static void ApplyConsumer(ConsumerConfig config, int sessionTimeoutMs)
    {
        config.EnableAutoCommit = false;
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        config.FetchWaitMaxMs = 5;
        config.FetchMinBytes = 1;
        config.SessionTimeoutMs = sessionTimeoutMs;
        config.HeartbeatIntervalMs = sessionTimeoutMs / 3;
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
        config.SocketNagleDisable = true;
    }

    /// <summary>Producer settings for a cluster without security (tests, benchmarks, the sandbox).</summary>
    public static ProducerConfig Producer(string bootstrapServers) => new KafkaClientSettings(bootstrapServers).Producer();

    /// <summary>Consumer settings for a cluster without security (tests, benchmarks, the sandbox).</summary>
    public static ConsumerConfig Consumer(string bootstrapServers, string groupId) => new KafkaClientSettings(bootstrapServers).Consumer(groupId);

    /// <summary>Admin settings for a cluster without security (tests, benchmarks, the sandbox).</summary>
    public static AdminClientConfig Admin(string bootstrapServers) => new KafkaClientSettings(bootstrapServers).Admin();

    /// <summary>
    /// <see cref="Consumer"/> with a 3 s session, for the embedded mock only (a real broker rejects sessions under
    /// its <c>group.min.session.timeout.ms</c>, 6 s by default). Group joins and leaves take ~2 s instead of ~5 s.
    /// </summary>
    public static ConsumerConfig ConsumerForEmbedded(string bootstrapServers, string groupId) =>
        new KafkaClientSettings(bootstrapServers) { SessionTimeoutMs = EmbeddedSessionTimeoutMs }.Consumer(groupId);
}
