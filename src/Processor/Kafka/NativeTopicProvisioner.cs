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
    public Task<IReadOnlyList<string>> EnsureTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string>? configs = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        _broker.CreateTopic(topic, partitions, configs);
        return Task.FromResult<IReadOnlyList<string>>([]);
    }
}
