using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>ListOffsets v1-5: latest (-1: the last stable offset for read_committed), earliest (-2) or the first offset at or after a timestamp (time index).</summary>
internal static class ListOffsetsHandler
{
    private const long Latest = -1;
    private const long Earliest = -2;

    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        request.Int32(); // replica id
        var readCommitted = v >= 2 && request.Int8() == 1; // isolation level
        var topics = request.Array(r => (Name: r.String(), Partitions: r.Array(rr =>
        {
            var partition = rr.Int32();
            if (v >= 4) rr.Int32(); // current leader epoch
            return (Partition: partition, Timestamp: rr.Int64());
        }, 12)), 6);

        if (v >= 2) response.Int32(0);
        response.Array(topics, (w, topic) =>
        {
            w.String(topic.Name);
            w.Array(topic.Partitions, (ww, p) =>
            {
                var log = ctx.Cluster.Partition(topic.Name, p.Partition);
                short error = ErrorCode.None;
                long timestamp = -1, offset = -1;
                if (log is null) error = ErrorCode.UnknownTopicOrPartition;
                else if (log.Leader != ctx.Node.Id) error = ErrorCode.NotLeaderOrFollower;
                else if (p.Timestamp == Latest) offset = readCommitted ? log.LastStableOffset : log.HighWatermark;
                else if (p.Timestamp == Earliest) offset = log.LogStartOffset;
                else if (p.Timestamp < 0) error = ErrorCode.UnsupportedVersion; // -3 (max timestamp) needs v7
                else if (log.OffsetForTimestamp(p.Timestamp) is { } found) (offset, timestamp) = found;
                ww.Int32(p.Partition).Int16(error).Int64(timestamp).Int64(offset);
                if (v >= 4) ww.Int32(-1);
            });
        });
    }
}
