using ContactCenter.Processor.Kafka;
using ContactCenter.Broker;

namespace ContactCenter.Sandbox.Kafka;

/// <summary>Creates topics on a <see cref="KafkaBroker"/> directly (the broker also serves CreateTopics).</summary>
internal sealed class BrokerTopicProvisioner : ITopicProvisioner
{
    private readonly KafkaBroker _broker;

    public BrokerTopicProvisioner(KafkaBroker broker)
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
