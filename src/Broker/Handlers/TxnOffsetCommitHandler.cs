using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// TxnOffsetCommit v0-3: a transaction's consumer offsets, held until it ends and visible to the group (OffsetFetch)
/// only if it commits. v3 (flexible, KIP-447) carries the consumer's group metadata: the commit is refused with
/// UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID or ILLEGAL_GENERATION unless that consumer is in the group's current
/// generation, checked before the transaction itself as Kafka's group coordinator does.
/// </summary>
internal static class TxnOffsetCommitHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var flexible = v >= 3;
        var transactionalId = flexible ? request.CompactString() : request.String();
        var groupId = flexible ? request.CompactString() : request.String();
        var producerId = request.Int64();
        var epoch = request.Int16();
        var (generation, memberId, instanceId) = flexible ? (request.Int32(), request.CompactString(), request.CompactNullableString()) : (-1, "", null);
        IReadOnlyList<(int, long, string?)> Partition(KafkaReader r) => flexible ? r.CompactArray(PartitionEntry, 14) : r.Array(PartitionEntry, 14);
        (int, long, string?) PartitionEntry(KafkaReader rr)
        {
            var partition = rr.Int32();
            var offset = rr.Int64();
            if (v >= 2) rr.Int32(); // committed leader epoch
            var metadata = flexible ? rr.CompactNullableString() : rr.NullableString();
            if (flexible) rr.SkipTaggedFields();
            return (partition, offset, metadata);
        }
        (string Topic, IReadOnlyList<(int, long, string?)> Partitions) TopicEntry(KafkaReader r)
        {
            var topic = flexible ? r.CompactString() : r.String();
            var partitions = Partition(r);
            if (flexible) r.SkipTaggedFields();
            return (topic, partitions);
        }
        var topics = flexible ? request.CompactArray(TopicEntry, 3) : request.Array(TopicEntry, 6);
        if (flexible) request.SkipTaggedFields();

        var groupError = ctx.Cluster.Groups.TxnCommitCheck(groupId, generation, memberId, instanceId);
        var results = groupError == ErrorCode.None
            ? ctx.Cluster.Transactions.CommitOffsets(transactionalId, groupId, producerId, epoch, topics)
            : topics.Select(t => (Topic: t.Topic, Partitions: t.Partitions.Select(p => (Partition: p.Item1, Error: groupError)).ToList())).ToList();
        response.Int32(0);
        if (!flexible)
        {
            response.Array(results, (w, topic) =>
            {
                w.String(topic.Topic);
                w.Array(topic.Partitions, (ww, p) => ww.Int32(p.Partition).Int16(TransactionErrors.ForVersion(p.Error, v, 3)));
            });
            return;
        }
        response.CompactArray(results, (w, topic) =>
        {
            w.CompactString(topic.Topic);
            w.CompactArray(topic.Partitions, (ww, p) => ww.Int32(p.Partition).Int16(p.Error).NoTaggedFields());
            w.NoTaggedFields();
        });
        response.NoTaggedFields();
    }
}
