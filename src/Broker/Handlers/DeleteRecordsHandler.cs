using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// DeleteRecords v0-1: moves each partition's log start offset up to the asked offset (-1: the high watermark).
/// Fetches below it get OFFSET_OUT_OF_RANGE and ListOffsets earliest answers it; an offset past the high watermark
/// is OFFSET_OUT_OF_RANGE. Answered by the partition's leader only, as on Kafka.
/// </summary>
internal static class DeleteRecordsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var topics = request.Array(r => (Name: r.String(), Partitions: r.Array(rr => (Partition: rr.Int32(), Offset: rr.Int64()), 12)), 6);
        request.Int32(); // timeout

        response.Int32(0); // throttle
        response.Array(topics, (w, topic) =>
        {
            w.String(topic.Name);
            w.Array(topic.Partitions, (ww, p) =>
            {
                var log = ctx.Cluster.Partition(topic.Name, p.Partition);
                var (error, low) = log is null ? (ErrorCode.UnknownTopicOrPartition, -1L)
                    : log.Leader != ctx.Node.Id ? (ErrorCode.NotLeaderOrFollower, -1L)
                    : log.DeleteRecordsBefore(p.Offset);
                ww.Int32(p.Partition).Int64(low).Int16(error);
            });
        });
    }
}
