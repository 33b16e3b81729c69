namespace ContactCenter.Broker.Log;

/// <summary>
/// A topic: its partitions (leaders spread over the brokers), replication factor as asked and configs. Partitions can
/// be added (CreatePartitions) and configs replaced (AlterConfigs): both are swapped in whole, so a reader holding the
/// previous list or dictionary keeps a consistent one.
/// </summary>
internal sealed class TopicLog : IDisposable
{
    private readonly IReadOnlyList<int> _brokerIds;
    private readonly int _spreadStart;
    private readonly Lock _gate = new();
    private volatile PartitionLog[] _partitions;
    private volatile int[][] _replicas;
    private volatile Dictionary<string, string> _configs;

    public TopicLog(string name, int partitions, short replicationFactor, IReadOnlyList<int> brokerIds,
        IReadOnlyDictionary<string, string> configs, int spreadStart, string? directory = null, FsyncMode fsync = FsyncMode.Never)
    {
        DataDirectory = directory;
        Name = name;
        ReplicationFactor = replicationFactor;
        Fsync = fsync;
        _brokerIds = brokerIds;
        _spreadStart = spreadStart;
        _configs = new Dictionary<string, string>(configs, StringComparer.Ordinal);
        _partitions = Enumerable.Range(0, partitions).Select(NewPartition).ToArray();
        _replicas = Enumerable.Range(0, partitions).Select(ReplicasOf).ToArray();
    }

    private PartitionLog NewPartition(int p)
    {
        var leader = _brokerIds[(_spreadStart + p) % _brokerIds.Count];
        if (DataDirectory is null) return new PartitionLog(Name, p, leader);
        var file = PartitionFile.Open(Path.Combine(DataDirectory, $"{p}.log"), Fsync, out var stored, out var logStart);
        var log = new PartitionLog(Name, p, leader, file);
        foreach (var batch in stored) log.Restore(batch);
        log.RestoreLogStart(logStart);
        return log;
    }

    private int[] ReplicasOf(int p) =>
        Enumerable.Range(0, ReplicationFactor).Select(r => _brokerIds[(_spreadStart + p + r) % _brokerIds.Count]).ToArray();

    /// <summary>Where the topic is persisted (<c>--data-dir</c>), or null when in memory only.</summary>
    public string? DataDirectory { get; }

    public string Name { get; }
    public short ReplicationFactor { get; }
    public FsyncMode Fsync { get; }
    public IReadOnlyList<PartitionLog> Partitions => _partitions;

    /// <summary>Replica broker ids per partition, the leader first (all "in sync": there is no replication).</summary>
    public IReadOnlyList<int[]> Replicas => _replicas;

    /// <summary>The configs set on the topic (a snapshot: <see cref="ReplaceConfigs"/> swaps in a new one).</summary>
    public IReadOnlyDictionary<string, string> Configs => _configs;

    /// <summary>Replaces every set config at once (AlterConfigs, IncrementalAlterConfigs).</summary>
    public void ReplaceConfigs(IReadOnlyDictionary<string, string> configs) =>
        _configs = new Dictionary<string, string>(configs, StringComparer.Ordinal);

    /// <summary>
    /// Grows the topic to <paramref name="count"/> partitions: existing ones keep their data, new ones start empty,
    /// led and replicated as if the topic had been created with that many.
    /// </summary>
    public void AddPartitions(int count, Func<int, bool> isUp)
    {
        lock (_gate)
        {
            var old = _partitions;
            if (count <= old.Length) return;
            var added = Enumerable.Range(old.Length, count - old.Length).Select(NewPartition).ToArray();
            _replicas = Enumerable.Range(0, count).Select(ReplicasOf).ToArray(); // replicas first: readers index them by partition
            _partitions = [.. old, .. added];
            ElectLeaders(isUp);
        }
    }

    /// <summary>
    /// Gives each partition its first replica whose broker is up (the preferred one when it is), or none (-1). The
    /// replicas share one in-memory log, so a new leader has every acknowledged record, as an in-sync replica would.
    /// </summary>
    public void ElectLeaders(Func<int, bool> isUp)
    {
        var partitions = _partitions;
        var replicas = _replicas;
        for (var p = 0; p < partitions.Length; p++)
        {
            var live = Array.FindIndex(replicas[p], r => isUp(r));
            partitions[p].SetLeader(live >= 0 ? replicas[p][live] : -1);
        }
    }

    public long ConfigLong(string name, long fallback) =>
        Configs.TryGetValue(name, out var text) && long.TryParse(text, out var value) ? value : fallback;

    public double ConfigDouble(string name, double fallback) =>
        Configs.TryGetValue(name, out var text) && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : fallback;

    public void Dispose()
    {
        foreach (var partition in Partitions) partition.Dispose();
    }
}
