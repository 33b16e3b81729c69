namespace ContactCenter.Processor.Kafka;

/// <summary>
/// Creates the topics the engine needs before anything produces to or subscribes to them: <see cref="NativeTopicProvisioner"/>
/// on the embedded native broker, <see cref="MockTopicProvisioner"/> through the mock's C API (the mock does not
/// implement CreateTopics), <see cref="AdminTopicProvisioner"/> through the Admin API of a real cluster.
/// </summary>
internal interface ITopicProvisioner
{
    /// <summary>
    /// Makes sure <paramref name="topic"/> exists with exactly <paramref name="partitions"/> partitions.
    /// An existing topic with that count is fine; one with another count is an error (co-partitioning depends on it).
    /// </summary>
    Task EnsureTopicAsync(string topic, int partitions, CancellationToken ct = default);
}
