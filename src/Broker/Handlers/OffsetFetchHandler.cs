using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>OffsetFetch v0-5: committed offsets (-1 where none), of the listed partitions or (v2+, null list) all.</summary>
internal static class OffsetFetchHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var groupId = request.String();
        var count = request.ArrayLength(6);
        List<(string Topic, IReadOnlyList<int> Partitions)>? wanted = null;
        if (count >= 0)
        {
            wanted = [];
            for (var i = 0; i < count; i++) wanted.Add((request.String(), request.Array(r => r.Int32(), 4)));
        }
        var committed = ctx.Cluster.Groups.Committed(groupId, wanted);
        var byTopic = committed.GroupBy(c => c.Topic).ToList();

        if (v >= 3) response.Int32(0);
        response.Int32(byTopic.Count);
        foreach (var topic in byTopic)
        {
            response.String(topic.Key);
            response.Array(topic.ToList(), (w, c) =>
            {
                w.Int32(c.Partition).Int64(c.Offset);
                if (v >= 5) w.Int32(-1);
                w.String(c.Metadata ?? "").Int16(ErrorCode.None);
            });
        }
        if (v >= 2) response.Int16(ErrorCode.None);
    }
}
