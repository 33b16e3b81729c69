using ContactCenter.Processor.Kafka;
namespace ContactCenter.Sandbox.Kafka;

/// <summary>Creates topics on an <see cref="LibrdkafkaMockCluster"/> through the mock's own API.</summary>
internal sealed class MockTopicProvisioner : ITopicProvisioner
{
    private readonly LibrdkafkaMockCluster _broker;

    /// <summary>Provisions topics on <paramref name="broker"/>.</summary>
    public MockTopicProvisioner(LibrdkafkaMockCluster broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        _broker = broker;
    }

    /// <inheritdoc />
    /// <remarks>The mock keeps no topic configs: <paramref name="configs"/> are not applied (no compaction there).</remarks>
    public Task<IReadOnlyList<string>> EnsureTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string>? configs = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        // The mock creates the topic synchronously on its own thread in microseconds: no need to offload.
        _broker.CreateTopic(topic, partitions);
        return Task.FromResult<IReadOnlyList<string>>([]);
    }
}
