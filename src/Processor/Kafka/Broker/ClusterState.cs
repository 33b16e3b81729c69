using System.Collections.Concurrent;
using ContactCenter.Processor.Kafka.Broker.Groups;
using ContactCenter.Processor.Kafka.Broker.Log;

namespace ContactCenter.Processor.Kafka.Broker;

/// <summary>One broker's identity and where it listens.</summary>
internal sealed record BrokerNode(int Id, string Host, int Port);

/// <summary>What every broker of the embedded cluster shares: brokers, topics, producer ids and consumer groups.</summary>
internal sealed class ClusterState
{
    private readonly ConcurrentDictionary<string, TopicLog> _topics = new(StringComparer.Ordinal);
    private readonly Lock _createGate = new();
    private long _nextProducerId = 1000;
    private int _topicCount;

    public ClusterState(KafkaProtocolBrokerOptions options)
    {
        Options = options;
        Groups = new GroupCoordinator(options);
    }

    public KafkaProtocolBrokerOptions Options { get; }
    public string ClusterId { get; } = "cc-embedded-" + Guid.NewGuid().ToString("N")[..10];
    public List<BrokerNode> Brokers { get; } = [];
    public GroupCoordinator Groups { get; }

    public IEnumerable<TopicLog> Topics => _topics.Values;

    public TopicLog? Topic(string name) => _topics.GetValueOrDefault(name);

    public PartitionLog? Partition(string topic, int partition) =>
        _topics.TryGetValue(topic, out var t) && partition >= 0 && partition < t.Partitions.Count ? t.Partitions[partition] : null;

    public long NextProducerId() => Interlocked.Increment(ref _nextProducerId);

    /// <summary>Creates a topic; false (and the existing one) when the name is taken.</summary>
    public bool TryCreate(string name, int partitions, short replication, IReadOnlyDictionary<string, string> configs, out TopicLog topic)
    {
        lock (_createGate)
        {
            if (_topics.TryGetValue(name, out var existing)) { topic = existing; return false; }
            var ids = Brokers.Select(b => b.Id).ToArray();
            var merged = new Dictionary<string, string>(configs, StringComparer.Ordinal);
            topic = new TopicLog(name, partitions, replication, ids, merged, _topicCount++);
            _topics[name] = topic;
            return true;
        }
    }

    public bool Delete(string name) => _topics.TryRemove(name, out _);

    /// <summary>The value of a topic config: explicitly set, else Kafka's default.</summary>
    public string ConfigValue(TopicLog topic, string name) =>
        topic.Configs.TryGetValue(name, out var v) ? v
        : name == "max.message.bytes" ? Options.MessageMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : TopicConfigs.Defaults.GetValueOrDefault(name, "");
}
