namespace ContactCenter.Processor.Kafka;

/// <summary>
/// Creates the topics the engine needs before anything produces to or subscribes to them. Two implementations,
/// because the embedded mock cluster does not implement the CreateTopics API: <see cref="MockTopicProvisioner"/>
/// calls the mock's C API, <see cref="AdminTopicProvisioner"/> uses the Admin API of a real cluster.
/// </summary>
internal interface ITopicProvisioner
{
    /// <summary>
    /// Makes sure <paramref name="topic"/> exists with exactly <paramref name="partitions"/> partitions.
    /// An existing topic with that count is fine; one with another count is an error (co-partitioning depends on it).
    /// </summary>
    Task EnsureTopicAsync(string topic, int partitions, CancellationToken ct = default);
}
