using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>CreateTopics v0-4 with configs (checked against the known topic configs) and validate-only.</summary>
internal static class CreateTopicsHandler
{
    public const int MaxPartitions = 10_000;

    private sealed record TopicRequest(string Name, int Partitions, short Replication, int AssignmentCount, List<(string Name, string? Value)> Configs);

    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var topics = request.Array(r =>
        {
            var name = r.String();
            var partitions = r.Int32();
            var replication = r.Int16();
            var assignments = r.Array(rr => { rr.Int32(); return rr.Array(x => x.Int32(), 4); }, 8);
            var configs = r.Array(rr => (rr.String(), rr.NullableString()), 4);
            return new TopicRequest(name, partitions, replication, assignments.Count, configs);
        }, 12);
        request.Int32(); // timeout
        var validateOnly = v >= 1 && request.Bool();

        var results = topics.Select(t => Create(ctx.Cluster, t, validateOnly)).ToList();
        if (v >= 2) response.Int32(0);
        response.Array(results, (w, r) =>
        {
            w.String(r.Name).Int16(r.Error);
            if (v >= 1) w.String(r.Message);
        });
    }

    private static (string Name, short Error, string? Message) Create(ClusterState cluster, TopicRequest t, bool validateOnly)
    {
        if (TopicNames.Validate(t.Name) is { } bad) return (t.Name, ErrorCode.InvalidTopic, bad);
        var partitions = t.AssignmentCount > 0 ? t.AssignmentCount : t.Partitions == -1 ? cluster.Options.DefaultPartitions : t.Partitions;
        if (partitions > MaxPartitions) return (t.Name, ErrorCode.InvalidPartitions, $"At most {MaxPartitions} partitions per topic on the embedded broker.");
        if (partitions < 1) return (t.Name, ErrorCode.InvalidPartitions, $"Number of partitions must be larger than 0 (got {t.Partitions}).");
        var replication = t.Replication == -1 ? (short)1 : t.Replication;
        if (replication < 1 || replication > cluster.Brokers.Count)
            return (t.Name, ErrorCode.InvalidReplicationFactor, $"Replication factor {t.Replication} is not between 1 and the {cluster.Brokers.Count} available broker(s).");
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in t.Configs)
        {
            if (TopicConfigs.Validate(name, value) is { } reason) return (t.Name, ErrorCode.InvalidConfig, reason);
            if (value is not null) configs[name] = value;
        }
        if (cluster.Topic(t.Name) is not null) return (t.Name, ErrorCode.TopicAlreadyExists, $"Topic '{t.Name}' already exists.");
        if (validateOnly) return (t.Name, ErrorCode.None, null);
        return cluster.TryCreate(t.Name, partitions, replication, configs, out _)
            ? (t.Name, ErrorCode.None, null)
            : (t.Name, ErrorCode.TopicAlreadyExists, $"Topic '{t.Name}' already exists.");
    }
}
