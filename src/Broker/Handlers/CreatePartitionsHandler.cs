using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// CreatePartitions v0-1: grows a topic to the asked count. Existing partitions keep their data; new ones start
/// empty, led and replicated as a topic created with that many would be. Manual assignments are accepted only as a
/// count (replicas are placed by the broker's own rule); fewer partitions than now is INVALID_PARTITIONS.
/// </summary>
internal static class CreatePartitionsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var topics = request.Array(r =>
        {
            var name = r.String();
            var count = r.Int32();
            var assignments = r.ArrayLength(4);
            for (var i = 0; i < assignments; i++) r.Array(rr => rr.Int32(), 4);
            return (Name: name, Count: count, Assignments: assignments);
        }, 10);
        request.Int32(); // timeout
        var validateOnly = request.Bool();

        var results = topics.Select(t => Grow(ctx.Cluster, t.Name, t.Count, t.Assignments, validateOnly)).ToList();
        response.Int32(0); // throttle
        response.Array(results, (w, r) => w.String(r.Name).Int16(r.Error).String(r.Message));
    }

    private static (string Name, short Error, string? Message) Grow(ClusterState cluster, string name, int count, int assignments, bool validateOnly)
    {
        var topic = cluster.Topic(name);
        if (topic is null) return (name, ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.");
        var current = topic.Partitions.Count;
        if (count <= current)
            return (name, ErrorCode.InvalidPartitions, $"Topic '{name}' has {current} partitions; the new count must be larger, not {count}.");
        if (count > CreateTopicsHandler.MaxPartitions)
            return (name, ErrorCode.InvalidPartitions, $"At most {CreateTopicsHandler.MaxPartitions} partitions per topic on the embedded broker.");
        if (assignments > 0 && assignments != count - current)
            return (name, ErrorCode.InvalidReplicaAssignment, $"{assignments} replica assignments for {count - current} new partitions.");
        if (validateOnly) return (name, ErrorCode.None, null);
        cluster.AddPartitions(topic, count);
        return (name, ErrorCode.None, null);
    }
}
