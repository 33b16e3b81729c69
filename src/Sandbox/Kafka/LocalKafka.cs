using ContactCenter.Processor.Kafka;
using ContactCenter.Broker;

namespace ContactCenter.Sandbox.Kafka;

/// <summary>Which embedded Kafka-protocol broker to run.</summary>
public enum BrokerKind
{
    /// <summary>This repository's Kafka-protocol broker (<see cref="KafkaBroker"/>, project src/Broker).</summary>
    Embedded,

    /// <summary>librdkafka's mock cluster (<see cref="LibrdkafkaMockCluster"/>), kept as a second opinion.</summary>
    Mock,
}

/// <summary>Either embedded broker behind one face: bootstrap servers, topic creation, a provisioner.</summary>
internal sealed class LocalKafka : IDisposable
{
    private readonly KafkaBroker? _native;
    private readonly LibrdkafkaMockCluster? _mock;

    private LocalKafka(KafkaBroker? native, LibrdkafkaMockCluster? mock)
    {
        _native = native;
        _mock = mock;
    }

    /// <summary>The broker the demo, <c>contactcenter broker</c> and the tests use unless told otherwise.</summary>
    public const BrokerKind DefaultKind = BrokerKind.Embedded;

    /// <summary>Starts the embedded broker with options of its own (fixed ports, fsync, security).</summary>
    public static LocalKafka StartEmbedded(int brokers, KafkaBrokerOptions options, Microsoft.Extensions.Logging.ILogger? logger = null) =>
        new(KafkaBroker.Start(brokers, options, logger), null);

    /// <summary>
    /// Starts <paramref name="brokers"/> brokers. <paramref name="messageMaxBytes"/> raises the native broker's
    /// <c>message.max.bytes</c> (as a cluster would be configured to take larger records); the mock has no limit.
    /// </summary>
    /// <param name="dataDirectory">native only: persist topics, records and committed offsets there (<c>--data-dir</c>).</param>
    /// <param name="logger">where the embedded broker reports what it cannot do for a client (nothing by default).</param>
    public static LocalKafka Start(BrokerKind kind, int brokers, int? messageMaxBytes = null, string? dataDirectory = null,
        Microsoft.Extensions.Logging.ILogger? logger = null) => kind switch
    {
        BrokerKind.Embedded => new LocalKafka(KafkaBroker.Start(brokers, new KafkaBrokerOptions
        {
            MessageMaxBytes = messageMaxBytes ?? new KafkaBrokerOptions().MessageMaxBytes,
            DataDirectory = dataDirectory,
        }, logger), null),
        BrokerKind.Mock => new LocalKafka(null, LibrdkafkaMockCluster.Start(brokers)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public BrokerKind Kind => _native is not null ? BrokerKind.Embedded : BrokerKind.Mock;

    /// <summary>The settings a pod or tool of the sandbox connects with: no security, <paramref name="clientId"/>, and the
    /// stages' fetch wait this broker needs (the librdkafka mock holds an empty fetch for the whole wait).</summary>
    public KafkaClientSettings ClientSettings(string clientId) => new(BootstrapServers)
    {
        ClientId = clientId,
        StageFetchWaitMaxMs = Kind == BrokerKind.Mock ? KafkaClientDefaults.MockStageFetchWaitMaxMs : KafkaClientDefaults.StageFetchWaitMaxMs,
    };

    public string BootstrapServers => _native?.BootstrapServers ?? _mock!.BootstrapServers;

    public ITopicProvisioner Provisioner => _native is not null ? new BrokerTopicProvisioner(_native) : new MockTopicProvisioner(_mock!);

    /// <exception cref="NotSupportedException"><paramref name="configs"/> given to librdkafka's mock, which keeps none (it
    /// never compacts, for one).</exception>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1, IReadOnlyDictionary<string, string>? configs = null)
    {
        if (_native is not null)
        {
            _native.CreateTopic(topic, partitions, configs, checked((short)replicationFactor));
            return;
        }
        if (configs is { Count: > 0 })
            throw new NotSupportedException($"topic {topic}: librdkafka's mock cluster keeps no topic configs ({string.Join(", ", configs.Keys)}); use the embedded broker");
        _mock!.CreateTopic(topic, partitions, replicationFactor);
    }

    /// <summary>A one-line description for logs: which broker, how many nodes.</summary>
    public string Description => _native is not null
        ? $"embedded Kafka-protocol broker, {_native.BrokerCount} broker(s)"
        : $"librdkafka {LibrdkafkaMockCluster.NativeVersion} mock cluster, {_mock!.BrokerCount} broker(s)";

    public void Dispose()
    {
        _native?.Dispose();
        _mock?.Dispose();
    }
}
