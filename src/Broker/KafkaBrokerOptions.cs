namespace ContactCenter.Broker;

/// <summary>Settings of the embedded Kafka-protocol broker (the defaults suit tests and the demo).</summary>
public sealed record KafkaBrokerOptions
{
    /// <summary>Create unknown topics when a producer's Metadata request allows it (Kafka's default: true).</summary>
    public bool AutoCreateTopics { get; init; } = true;

    /// <summary>Partitions of an auto-created topic (Kafka's <c>num.partitions</c>, 1 by default).</summary>
    public int DefaultPartitions { get; init; } = 1;

    /// <summary>Kafka's <c>group.initial.rebalance.delay.ms</c> (3 s on a real broker); 0 makes lone consumers fast.</summary>
    public TimeSpan InitialRebalanceDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Smallest and largest session timeout a member may ask for (Kafka: 6 s and 30 min).</summary>
    public TimeSpan MinSessionTimeout { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxSessionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Largest request frame accepted; a bigger size prefix closes the connection (Kafka: socket.request.max.bytes).</summary>
    public int MaxRequestBytes { get; init; } = 100 * 1024 * 1024;

    /// <summary>
    /// Largest record batch a topic accepts unless its <c>max.message.bytes</c> says otherwise (Kafka's broker-level
    /// <c>message.max.bytes</c>, 1048588 by default).
    /// </summary>
    public int MessageMaxBytes { get; init; } = 1048588;

    /// <summary>
    /// Keep topics, their batches and committed offsets in this directory and load them at start (<c>--data-dir</c>);
    /// null (the default) keeps everything in memory.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// Longest <c>transaction.timeout.ms</c> a transactional producer may ask for (Kafka's
    /// <c>transaction.max.timeout.ms</c>, 15 minutes); a longer one gets INVALID_TRANSACTION_TIMEOUT.
    /// </summary>
    public TimeSpan MaxTransactionTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often retention, session expiry and transaction timeouts are checked.</summary>
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
