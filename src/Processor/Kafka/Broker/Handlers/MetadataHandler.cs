using ContactCenter.Processor.Kafka.Broker.Log;
using ContactCenter.Processor.Kafka.Broker.Protocol;

namespace ContactCenter.Processor.Kafka.Broker.Handlers;

/// <summary>Metadata v0-7: every broker of the process, topics with their (spread) partition leaders.</summary>
internal static class MetadataHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var count = request.ArrayLength(2);
        List<string>? names = null;
        if (count >= 0 && !(v == 0 && count == 0))
        {
            names = new List<string>(count);
            for (var i = 0; i < count; i++) names.Add(request.String());
        }
        var allowAutoCreate = v < 4 || request.Bool();
        var cluster = ctx.Cluster;

        if (v >= 3) response.Int32(0);
        response.Array(cluster.Brokers, (w, b) =>
        {
            w.Int32(b.Id).String(b.Host).Int32(b.Port);
            if (v >= 1) w.String(null);
        });
        if (v >= 2) response.String(cluster.ClusterId);
        if (v >= 1) response.Int32(cluster.Brokers[0].Id);

        var topics = new List<(string Name, short Error, TopicLog? Topic)>();
        if (names is null)
        {
            foreach (var t in cluster.Topics) topics.Add((t.Name, ErrorCode.None, t));
        }
        else
        {
            foreach (var name in names)
            {
                var topic = cluster.Topic(name);
                if (topic is null && allowAutoCreate && cluster.Options.AutoCreateTopics && TopicNames.Validate(name) is null)
                    cluster.TryCreate(name, cluster.Options.DefaultPartitions, 1, new Dictionary<string, string>(), out topic);
                topics.Add((name, topic is null ? (TopicNames.Validate(name) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopic) : ErrorCode.None, topic));
            }
        }
        response.Array(topics, (w, t) =>
        {
            w.Int16(t.Error).String(t.Name);
            if (v >= 1) w.Bool(false);
            if (t.Topic is null) { w.Int32(0); return; }
            w.Int32(t.Topic.Partitions.Count);
            foreach (var p in t.Topic.Partitions)
            {
                w.Int16(ErrorCode.None).Int32(p.Partition).Int32(p.Leader);
                if (v >= 7) w.Int32(-1); // no leader epochs: keeps clients from validating offsets with OffsetForLeaderEpoch
                var replicas = t.Topic.Replicas[p.Partition];
                w.Array(replicas, (ww, id) => ww.Int32(id));
                w.Array(replicas, (ww, id) => ww.Int32(id));
                if (v >= 5) w.Int32(0);
            }
        });
    }
}
