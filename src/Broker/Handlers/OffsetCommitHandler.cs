using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>OffsetCommit v0-7: checked against the member's generation (generation -1: a standalone commit).</summary>
internal static class OffsetCommitHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var groupId = request.String();
        var generation = v >= 1 ? request.Int32() : -1;
        var memberId = v >= 1 ? request.String() : "";
        if (v >= 7) request.NullableString(); // group instance id
        if (v is >= 2 and <= 4) request.Int64(); // retention time
        var topics = request.Array(r => (Name: r.String(), Partitions: r.Array(rr =>
        {
            var partition = rr.Int32();
            var offset = rr.Int64();
            if (v >= 6) rr.Int32(); // leader epoch
            if (v == 1) rr.Int64(); // commit timestamp
            return (Partition: partition, Offset: offset, Metadata: rr.NullableString());
        }, 14)), 6);

        var groups = ctx.Cluster.Groups;
        var error = groups.CommitCheck(groupId, generation, memberId);
        if (v >= 3) response.Int32(0);
        response.Array(topics, (w, topic) =>
        {
            w.String(topic.Name);
            var known = ctx.Cluster.Topic(topic.Name);
            w.Array(topic.Partitions, (ww, p) =>
            {
                var e = error;
                if (e == ErrorCode.None && (known is null || p.Partition < 0 || p.Partition >= known.Partitions.Count))
                    e = ErrorCode.UnknownTopicOrPartition;
                if (e == ErrorCode.None) groups.StoreOffset(groupId, topic.Name, p.Partition, p.Offset, p.Metadata);
                ww.Int32(p.Partition).Int16(e);
            });
        });
    }
}
