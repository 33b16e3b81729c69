using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace ContactCenter.Processor.Kafka;

/// <summary>
/// Creates topics on a real Kafka cluster with the Admin API. "Already exists" is accepted once the existing
/// topic's partition count is confirmed to match. The cluster's default replication factor is used unless one is given.
/// </summary>
internal sealed class AdminTopicProvisioner : ITopicProvisioner, IDisposable
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    // Bounded so that a cluster that cannot create topics (the embedded mock, a broker without a controller)
    // fails startup with an error instead of hanging it.
    private static readonly CreateTopicsOptions CreateOptions = new()
    {
        RequestTimeout = TimeSpan.FromSeconds(30),
        OperationTimeout = TimeSpan.FromSeconds(30),
    };
    private readonly IAdminClient _admin;
    private readonly short _replicationFactor;

    /// <summary>Provisions topics on the cluster of <paramref name="kafka"/>, cluster-default replication.</summary>
    public AdminTopicProvisioner(KafkaClientSettings kafka) : this(kafka, replicationFactor: -1) { }

    /// <summary>
    /// Provisions topics with an explicit <paramref name="replicationFactor"/> (-1 = the broker's
    /// <c>default.replication.factor</c>).
    /// </summary>
    public AdminTopicProvisioner(KafkaClientSettings kafka, short replicationFactor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kafka.BootstrapServers);
        _replicationFactor = replicationFactor;
        _admin = new AdminClientBuilder(kafka.Admin("topics")).Build();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> EnsureTopicAsync(string topic, int partitions, IReadOnlyDictionary<string, string>? configs = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ct.ThrowIfCancellationRequested();
        try
        {
            var spec = new TopicSpecification
            {
                Name = topic, NumPartitions = partitions, ReplicationFactor = _replicationFactor,
                Configs = configs?.ToDictionary(c => c.Key, c => c.Value),
            };
            await _admin.CreateTopicsAsync([spec], CreateOptions).WaitAsync(ct).ConfigureAwait(false);
            return [];
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Exists already: fall through and check that it has the partition count we rely on.
        }
        var existing = await Task.Run(() => PartitionCount(topic), ct).ConfigureAwait(false);
        if (existing != partitions)
            throw new InvalidOperationException($"Topic '{topic}' already exists with {existing} partitions, not {partitions}.");
        return configs is { Count: > 0 } ? await DifferencesAsync(topic, configs, ct).ConfigureAwait(false) : [];
    }

    /// <summary>How the existing topic's configs differ from what the engine needs (a cluster that cannot say: nothing).</summary>
    private async Task<IReadOnlyList<string>> DifferencesAsync(string topic, IReadOnlyDictionary<string, string> wanted, CancellationToken ct)
    {
        try
        {
            var described = await _admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]).WaitAsync(ct).ConfigureAwait(false);
            var actual = described.SelectMany(r => r.Entries).ToDictionary(e => e.Key, e => e.Value.Value);
            return wanted
                .Where(w => !actual.TryGetValue(w.Key, out var value) || value != w.Value)
                .Select(w => $"topic '{topic}' has {w.Key}={(actual.TryGetValue(w.Key, out var v) ? v : "(unset)")}, the engine needs {w.Value}; " +
                    $"fix: kafka-configs.sh --bootstrap-server HOST:PORT --alter --entity-type topics --entity-name {topic} --add-config {w.Key}={w.Value}")
                .ToList();
        }
        catch (KafkaException e)
        {
            return [$"topic '{topic}': its configs could not be checked ({e.Error.Reason})"];
        }
    }

    // GetMetadata is a blocking call in Confluent.Kafka; it is run off the caller's thread above.
    private int PartitionCount(string topic)
    {
        var metadata = _admin.GetMetadata(topic, MetadataTimeout);
        var entry = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        if (entry is null || entry.Error.IsError)
            throw new KafkaException(entry?.Error ?? new Error(ErrorCode.UnknownTopicOrPart, $"No metadata for '{topic}'."));
        return entry.Partitions.Count;
    }

    /// <summary>Releases the admin client.</summary>
    public void Dispose() => _admin.Dispose();
}
