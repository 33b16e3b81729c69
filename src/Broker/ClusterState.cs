using System.Collections.Concurrent;
using ContactCenter.Broker.Groups;
using ContactCenter.Broker.Log;
using ContactCenter.Broker.Transactions;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Broker;

/// <summary>One broker's identity and where it listens.</summary>
internal sealed record BrokerNode(int Id, string Host, int Port);

/// <summary>What every broker of the embedded cluster shares: brokers, topics, producer ids and consumer groups.</summary>
internal sealed class ClusterState : IDisposable
{
    private readonly ConcurrentDictionary<string, TopicLog> _topics = new(StringComparer.Ordinal);
    private readonly Lock _createGate = new();
    // Producer ids must not repeat across restarts on a data directory (a reused id would hit the old sequences):
    // start from the clock, 1024 ids per millisecond.
    private long _nextProducerId = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 10;
    private int _topicCount;

    public ClusterState(KafkaBrokerOptions options, ILogger logger)
    {
        Options = options;
        Logger = logger;
        Groups = new GroupCoordinator(options);
        if (options.SaslUsers is { } users) SaslUsers = new Security.SaslUsers(users, options.SaslMechanisms);
        Transactions = new TransactionCoordinator(this);
    }

    /// <summary>The credentials SASL listeners check (built from <see cref="KafkaBrokerOptions.SaslUsers"/>), or null.</summary>
    public Security.SaslUsers? SaslUsers { get; }

    /// <summary>The transaction coordinator (one for the cluster, like the group state).</summary>
    public TransactionCoordinator Transactions { get; }

    public KafkaBrokerOptions Options { get; }

    /// <summary>The one logger every part of the broker writes to.</summary>
    public ILogger Logger { get; }
    public string ClusterId { get; } = "cc-embedded-" + Guid.NewGuid().ToString("N")[..10];
    public List<BrokerNode> Brokers { get; } = [];

    private readonly ConcurrentDictionary<int, bool> _down = new();

    /// <summary>False while a broker is stopped (failure injection).</summary>
    public bool IsUp(int broker) => !_down.ContainsKey(broker);

    /// <summary>The brokers that are up, as Metadata and FindCoordinator answer them.</summary>
    public List<BrokerNode> LiveBrokers => Brokers.Where(b => IsUp(b.Id)).ToList();

    /// <summary>Marks a broker stopped or started and moves partition leadership accordingly.</summary>
    public void SetUp(int broker, bool up)
    {
        if (up) _down.TryRemove(broker, out _); else _down[broker] = true;
        ElectLeaders();
    }

    /// <summary>Every partition led by its first live replica (see <see cref="TopicLog.ElectLeaders"/>).</summary>
    public void ElectLeaders()
    {
        foreach (var topic in _topics.Values) topic.ElectLeaders(IsUp);
    }
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
            string? directory = null;
            if (Options.DataDirectory is { } root)
            {
                directory = Path.Combine(root, name);
                System.IO.Directory.CreateDirectory(directory);
                var meta = new PersistedTopic(partitions, replication, merged);
                var path = Path.Combine(directory, "topic.json");
                if (!File.Exists(path)) File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(meta));
            }
            topic = new TopicLog(name, partitions, replication, ids, merged, _topicCount++, directory, Options.Fsync);
            topic.ElectLeaders(IsUp);
            _topics[name] = topic;
            return true;
        }
    }

    public bool Delete(string name)
    {
        if (!_topics.TryRemove(name, out var topic)) return false;
        topic.Dispose();
        if (topic.DataDirectory is { } directory)
            try { System.IO.Directory.Delete(directory, recursive: true); } catch (IOException) { }
        return true;
    }

    /// <summary>
    /// The broker coordinating a group: spread over the live brokers by a hash of its id. Group state is shared by
    /// the whole process, so any broker would do; a stable one keeps clients' expectations (FindCoordinator,
    /// ListGroups per coordinator).
    /// </summary>
    public BrokerNode CoordinatorFor(string key)
    {
        var brokers = LiveBrokers;
        if (brokers.Count == 0) brokers = Brokers;
        var hash = 2166136261u; // FNV-1a
        foreach (var c in key) hash = (hash ^ c) * 16777619u;
        return brokers[(int)(hash % (uint)brokers.Count)];
    }

    /// <summary>Grows a topic to <paramref name="count"/> partitions (CreatePartitions) and records the new count on disk.</summary>
    public void AddPartitions(TopicLog topic, int count)
    {
        lock (_createGate)
        {
            topic.AddPartitions(count, IsUp);
            SaveMetadata(topic);
        }
    }

    /// <summary>Replaces a topic's set configs (AlterConfigs) and records them on disk.</summary>
    public void ReplaceConfigs(TopicLog topic, IReadOnlyDictionary<string, string> configs)
    {
        lock (_createGate)
        {
            topic.ReplaceConfigs(configs);
            SaveMetadata(topic);
        }
    }

    private static void SaveMetadata(TopicLog topic)
    {
        if (topic.DataDirectory is not { } directory) return;
        var meta = new PersistedTopic(topic.Partitions.Count, topic.ReplicationFactor, new Dictionary<string, string>(topic.Configs, StringComparer.Ordinal));
        var path = Path.Combine(directory, "topic.json");
        File.WriteAllText(path + ".tmp", System.Text.Json.JsonSerializer.Serialize(meta));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private sealed record PersistedTopic(int Partitions, short Replication, Dictionary<string, string> Configs);

    /// <summary>Loads every topic persisted under <see cref="KafkaBrokerOptions.DataDirectory"/> (brokers must be registered).</summary>
    public void LoadPersisted()
    {
        if (Options.DataDirectory is not { } root) return;
        System.IO.Directory.CreateDirectory(root);
        foreach (var directory in System.IO.Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(directory, "topic.json");
            if (!File.Exists(path)) continue;
            var meta = System.Text.Json.JsonSerializer.Deserialize<PersistedTopic>(File.ReadAllText(path));
            if (meta is null) continue;
            TryCreate(Path.GetFileName(directory), meta.Partitions, meta.Replication, meta.Configs, out _);
        }
        Transactions.Recover();
    }

    public void Dispose()
    {
        foreach (var topic in _topics.Values) topic.Dispose();
        Groups.Dispose();
        Transactions.Dispose();
    }

    /// <summary>The value of a topic config: explicitly set, else Kafka's default.</summary>
    public string ConfigValue(TopicLog topic, string name) =>
        topic.Configs.TryGetValue(name, out var v) ? v
        : name == "max.message.bytes" ? Options.MessageMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : TopicConfigs.Defaults.GetValueOrDefault(name, "");
}
