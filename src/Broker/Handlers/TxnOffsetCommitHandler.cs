using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// TxnOffsetCommit v0-2: a transaction's consumer offsets, held until it ends and visible to the group (OffsetFetch)
/// only if it commits. v3 (generation and member id, KIP-447) is flexible and not served: clients fall back to v2.
/// </summary>
internal static class TxnOffsetCommitHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var transactionalId = request.String();
        var groupId = request.String();
        var producerId = request.Int64();
        var epoch = request.Int16();
        var topics = request.Array(r => (Topic: r.String(), Partitions: (IReadOnlyList<(int, long, string?)>)r.Array(rr =>
        {
            var partition = rr.Int32();
            var offset = rr.Int64();
            if (v >= 2) rr.Int32(); // committed leader epoch
            return (partition, offset, rr.NullableString());
        }, 14)), 6);
        var results = ctx.Cluster.Transactions.CommitOffsets(transactionalId, groupId, producerId, epoch, topics);
        response.Int32(0);
        response.Array(results, (w, topic) =>
        {
            w.String(topic.Topic);
            w.Array(topic.Partitions, (ww, p) => ww.Int32(p.Partition).Int16(TransactionErrors.ForVersion(p.Error, v, 3)));
        });
    }
}
