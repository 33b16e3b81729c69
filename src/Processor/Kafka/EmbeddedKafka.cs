using ContactCenter.Processor.Kafka.Broker;

namespace ContactCenter.Processor.Kafka;

/// <summary>Which embedded Kafka-protocol broker to run.</summary>
public enum BrokerKind
{
    /// <summary>The in-process broker written here (<see cref="KafkaProtocolBroker"/>).</summary>
    Native,

    /// <summary>librdkafka's mock cluster (<see cref="EmbeddedKafkaBroker"/>), kept as a second opinion.</summary>
    Mock,
}

/// <summary>Either embedded broker behind one face: bootstrap servers, topic creation, a provisioner.</summary>
internal sealed class EmbeddedKafka : IDisposable
{
    private readonly KafkaProtocolBroker? _native;
    private readonly EmbeddedKafkaBroker? _mock;

    private EmbeddedKafka(KafkaProtocolBroker? native, EmbeddedKafkaBroker? mock)
    {
        _native = native;
        _mock = mock;
    }

    /// <summary>The broker the demo, <c>contactcenter broker</c> and the tests use unless told otherwise.</summary>
    public const BrokerKind DefaultKind = BrokerKind.Native;

    /// <summary>
    /// Starts <paramref name="brokers"/> brokers. <paramref name="messageMaxBytes"/> raises the native broker's
    /// <c>message.max.bytes</c> (as a cluster would be configured to take larger records); the mock has no limit.
    /// </summary>
    /// <param name="dataDirectory">native only: persist topics, records and committed offsets there (<c>--data-dir</c>).</param>
    public static EmbeddedKafka Start(BrokerKind kind, int brokers, int? messageMaxBytes = null, string? dataDirectory = null) => kind switch
    {
        BrokerKind.Native => new EmbeddedKafka(KafkaProtocolBroker.Start(brokers, new KafkaProtocolBrokerOptions
        {
            MessageMaxBytes = messageMaxBytes ?? new KafkaProtocolBrokerOptions().MessageMaxBytes,
            DataDirectory = dataDirectory,
        }), null),
        BrokerKind.Mock => new EmbeddedKafka(null, EmbeddedKafkaBroker.Start(brokers)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public BrokerKind Kind => _native is not null ? BrokerKind.Native : BrokerKind.Mock;

    public string BootstrapServers => _native?.BootstrapServers ?? _mock!.BootstrapServers;

    public ITopicProvisioner Provisioner => _native is not null ? new NativeTopicProvisioner(_native) : new MockTopicProvisioner(_mock!);

    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        if (_native is not null) _native.CreateTopic(topic, partitions, replicationFactor: checked((short)replicationFactor));
        else _mock!.CreateTopic(topic, partitions, replicationFactor);
    }

    /// <summary>A one-line description for logs: which broker, how many nodes.</summary>
    public string Description => _native is not null
        ? $"native Kafka-protocol broker, {_native.BrokerCount} broker(s)"
        : $"librdkafka {EmbeddedKafkaBroker.NativeVersion} mock cluster, {_mock!.BrokerCount} broker(s)";

    public void Dispose()
    {
        _native?.Dispose();
        _mock?.Dispose();
    }
}
