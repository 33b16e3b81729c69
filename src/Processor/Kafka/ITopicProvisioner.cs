namespace ContactCenter.Processor.Kafka;

/// <summary>
/// Creates the topics the engine needs before anything produces to or subscribes to them: the sandbox's
/// provisioners on the embedded broker and through the librdkafka mock's C API (the mock does not implement
/// CreateTopics), <see cref="AdminTopicProvisioner"/> through the Admin API of a real cluster.
/// </summary>
internal interface ITopicProvisioner
{
    /// <summary>
    /// Makes sure <paramref name="topic"/> exists with exactly <paramref name="partitions"/> partitions, created with
    /// <paramref name="configs"/> (e.g. <c>cleanup.policy=compact</c>). An existing topic with that count is fine; one
    /// with another count is an error (co-partitioning depends on it).
    /// </summary>
    /// <returns>How an existing topic's configs differ from <paramref name="configs"/>, one line each (empty: none, or
    /// the broker cannot tell).</returns>
    Task<IReadOnlyList<string>> EnsureTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string>? configs = null, CancellationToken ct = default);
}
