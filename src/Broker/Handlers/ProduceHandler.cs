using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// Produce v3-7: record batches (magic 2) are checked (framing, CRC-32C, size, idempotent sequence) and stored as
/// received with their base offset assigned. acks=0 gets no response, as on Kafka.
/// </summary>
internal static class ProduceHandler
{
    private readonly record struct PartitionResult(int Partition, short Error, long BaseOffset, long LogStart);

    /// <summary>False when no response must be sent (acks=0).</summary>
    public static bool Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        request.NullableString(); // transactional id: transactions are not supported
        var acks = request.Int16();
        request.Int32(); // timeout
        var results = new List<(string Topic, List<PartitionResult> Partitions)>();
        var topicCount = request.ArrayLength(6);
        for (var t = 0; t < topicCount; t++)
        {
            var name = request.String();
            var partitions = new List<PartitionResult>();
            var partitionCount = request.ArrayLength(8);
            for (var p = 0; p < partitionCount; p++)
            {
                var index = request.Int32();
                var records = request.NullableBytes();
                partitions.Add(acks is -1 or 0 or 1
                    ? Append(ctx, name, index, records ?? ReadOnlyMemory<byte>.Empty)
                    : new PartitionResult(index, ErrorCode.InvalidRequiredAcks, -1, -1));
            }
            results.Add((name, partitions));
        }
        if (acks == 0)
        {
            // No response can carry the error, so Kafka closes the connection: the client notices and retries or fails.
            if (results.SelectMany(t => t.Partitions).FirstOrDefault(p => p.Error != ErrorCode.None) is { Error: not ErrorCode.None } failed)
                throw new CloseConnectionException($"acks=0 produce refused with error {failed.Error}");
            return false;
        }
        response.Array(results, (w, topic) =>
        {
            w.String(topic.Topic);
            w.Array(topic.Partitions, (ww, p) =>
            {
                ww.Int32(p.Partition).Int16(p.Error).Int64(p.BaseOffset).Int64(-1);
                if (v >= 5) ww.Int64(p.LogStart);
            });
        });
        response.Int32(0); // throttle
        return true;
    }

    private static PartitionResult Append(RequestContext ctx, string topicName, int index, ReadOnlyMemory<byte> records)
    {
        var topic = ctx.Cluster.Topic(topicName);
        var log = ctx.Cluster.Partition(topicName, index);
        if (topic is null || log is null) return new PartitionResult(index, ErrorCode.UnknownTopicOrPartition, -1, -1);
        if (log.Leader != ctx.Node.Id) return new PartitionResult(index, ErrorCode.NotLeaderOrFollower, -1, -1);
        var maxBatch = topic.ConfigLong("max.message.bytes", ctx.Cluster.Options.MessageMaxBytes);

        // Validate every batch before appending any, so that a bad request changes nothing.
        var batches = new List<(RecordBatch Header, ReadOnlyMemory<byte> Bytes)>();
        var rest = records;
        while (rest.Length > 0)
        {
            if (!RecordBatch.TryRead(rest.Span, out var header)) return new PartitionResult(index, ErrorCode.CorruptMessage, -1, -1);
            var bytes = rest[..header.Length];
            if (header.Magic != 2) return new PartitionResult(index, ErrorCode.UnsupportedForMessageFormat, -1, -1);
            if (!RecordBatch.CrcMatches(bytes.Span)) return new PartitionResult(index, ErrorCode.CorruptMessage, -1, -1);
            if (header.Length > maxBatch) return new PartitionResult(index, ErrorCode.MessageTooLarge, -1, -1);
            if (header.LastOffsetDelta < 0 || header.RecordCount < 0) return new PartitionResult(index, ErrorCode.InvalidRecord, -1, -1);
            batches.Add((header, bytes));
            rest = rest[header.Length..];
        }
        if (batches.Count == 0) return new PartitionResult(index, ErrorCode.InvalidRecord, -1, -1);

        long first = -1;
        foreach (var (header, bytes) in batches)
        {
            var result = log.Append(bytes.Span, header, leaderEpoch: 0); // copied into the log: the frame goes back to its pool
            if (result.Error != ErrorCode.None) return new PartitionResult(index, result.Error, -1, result.LogStartOffset);
            if (first < 0) first = result.BaseOffset;
        }
        return new PartitionResult(index, ErrorCode.None, first, log.LogStartOffset);
    }
}
