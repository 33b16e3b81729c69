using ContactCenter.Processor.Kafka.Broker;

namespace ContactCenter.Processor.Kafka;

/// <summary>Creates topics on a <see cref="KafkaProtocolBroker"/> directly (the broker also serves CreateTopics).</summary>
internal sealed class NativeTopicProvisioner : ITopicProvisioner
{
    private readonly KafkaProtocolBroker _broker;

    public NativeTopicProvisioner(KafkaProtocolBroker broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        _broker = broker;
    }

    /// <inheritdoc />
    public Task EnsureTopicAsync(string topic, int partitions, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        _broker.CreateTopic(topic, partitions);
        return Task.CompletedTask;
    }
}
