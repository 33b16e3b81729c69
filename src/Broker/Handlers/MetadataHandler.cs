using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// Metadata v0-7: the brokers that are up, topics with their (spread) partition leaders. A partition whose replicas'
/// brokers are all stopped has no leader (-1, LEADER_NOT_AVAILABLE), so clients wait and retry as on a cluster.
/// </summary>
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
        var live = cluster.LiveBrokers;
        response.Array(live, (w, b) =>
        {
            w.Int32(b.Id).String(b.Host).Int32(b.Port);
            if (v >= 1) w.String(null);
        });
        if (v >= 2) response.String(cluster.ClusterId);
        if (v >= 1) response.Int32(live.Count > 0 ? live[0].Id : -1); // controller

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
                var leader = p.Leader;
                w.Int16(leader < 0 ? ErrorCode.LeaderNotAvailable : ErrorCode.None).Int32(p.Partition).Int32(leader);
                if (v >= 7) w.Int32(-1); // no leader epochs: keeps clients from validating offsets with OffsetForLeaderEpoch
                var replicas = t.Topic.Replicas[p.Partition];
                w.Array(replicas, (ww, id) => ww.Int32(id));
                w.Array(replicas.Where(cluster.IsUp).ToList(), (ww, id) => ww.Int32(id)); // in sync: every replica that is up
                if (v >= 5) w.Int32(0);
            }
        });
    }
}
