namespace ContactCenter.Broker.Log;

/// <summary>A topic: its partitions (leaders spread over the brokers), replication factor as asked and configs.</summary>
internal sealed class TopicLog : IDisposable
{
    public TopicLog(string name, int partitions, short replicationFactor, IReadOnlyList<int> brokerIds,
        IReadOnlyDictionary<string, string> configs, int spreadStart, string? directory = null)
    {
        DataDirectory = directory;
        Name = name;
        ReplicationFactor = replicationFactor;
        Configs = new Dictionary<string, string>(configs, StringComparer.Ordinal);
        var list = new PartitionLog[partitions];
        for (var p = 0; p < partitions; p++)
        {
            var leaderIndex = (spreadStart + p) % brokerIds.Count;
            PartitionFile? file = null;
            if (directory is not null)
            {
                var path = Path.Combine(directory, $"{p}.log");
                var stored = PartitionFile.ReadAll(path);
                file = new PartitionFile(path);
                list[p] = new PartitionLog(name, p, brokerIds[leaderIndex], file);
                foreach (var batch in stored) list[p].Restore(batch);
                continue;
            }
            list[p] = new PartitionLog(name, p, brokerIds[leaderIndex]);
        }
        Partitions = list;
        Replicas = Enumerable.Range(0, partitions)
            .Select(p => Enumerable.Range(0, replicationFactor).Select(r => brokerIds[(spreadStart + p + r) % brokerIds.Count]).ToArray())
            .ToArray();
    }

    /// <summary>Where the topic is persisted (<c>--data-dir</c>), or null when in memory only.</summary>
    public string? DataDirectory { get; }

    public string Name { get; }
    public short ReplicationFactor { get; }
    public IReadOnlyList<PartitionLog> Partitions { get; }

    /// <summary>Replica broker ids per partition, the leader first (all "in sync": there is no replication).</summary>
    public IReadOnlyList<int[]> Replicas { get; }

    public Dictionary<string, string> Configs { get; }

    /// <summary>
    /// Gives each partition its first replica whose broker is up (the preferred one when it is), or none (-1). The
    /// replicas share one in-memory log, so a new leader has every acknowledged record, as an in-sync replica would.
    /// </summary>
    public void ElectLeaders(Func<int, bool> isUp)
    {
        for (var p = 0; p < Partitions.Count; p++)
        {
            var live = Array.FindIndex(Replicas[p], r => isUp(r));
            Partitions[p].SetLeader(live >= 0 ? Replicas[p][live] : -1);
        }
    }

    public long ConfigLong(string name, long fallback) =>
        Configs.TryGetValue(name, out var text) && long.TryParse(text, out var value) ? value : fallback;

    public void Dispose()
    {
        foreach (var partition in Partitions) partition.Dispose();
    }
}
