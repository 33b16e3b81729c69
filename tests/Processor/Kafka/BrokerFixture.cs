using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using Xunit;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Processor.Kafka;

/// <summary>
/// One embedded mock Kafka cluster (3 brokers) for a test class (<c>IClassFixture&lt;BrokerFixture&gt;</c>) or a
/// collection (<c>[Collection(KafkaCollection.Name)]</c>). Tests sharing it should use <see cref="NewTopic"/> and
/// <see cref="NewGroup"/> so that they never see each other's data.
/// </summary>
public class BrokerFixture : IDisposable
{
    private int _sequence;

    public BrokerFixture() => Broker = LibrdkafkaMockCluster.Start(brokers: 3);

    internal LibrdkafkaMockCluster Broker { get; }

    public string BootstrapServers => Broker.BootstrapServers;

    /// <summary>Creates a topic with a name no other test uses.</summary>
    public string NewTopic(int partitions, string prefix = "t")
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid().ToString("N")[..8]}";
        Broker.CreateTopic(name, partitions);
        return name;
    }

    /// <summary>A consumer group id no other test uses.</summary>
    public string NewGroup(string prefix = "g") => $"{prefix}-{Interlocked.Increment(ref _sequence)}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A producer with <see cref="KafkaClientDefaults.Producer"/>.</summary>
    public IProducer<TKey, TValue> Producer<TKey, TValue>() =>
        new ProducerBuilder<TKey, TValue>(KafkaClientDefaults.Producer(BootstrapServers)).Build();

    /// <summary>A consumer with <see cref="KafkaClientDefaults.ConsumerForEmbedded"/> (short session: fast joins).</summary>
    public IConsumer<TKey, TValue> Consumer<TKey, TValue>(string groupId) =>
        new ConsumerBuilder<TKey, TValue>(KafkaClientDefaults.ConsumerForEmbedded(BootstrapServers, groupId)).Build();

    public void Dispose()
    {
        Broker.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Lets several test classes share one <see cref="BrokerFixture"/> (they then run one after another).</summary>
[CollectionDefinition(Name)]
public class KafkaCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "kafka";
}
