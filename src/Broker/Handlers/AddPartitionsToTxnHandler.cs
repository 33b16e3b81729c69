using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>AddPartitionsToTxn v0-2: the partitions a transactional producer is about to write to.</summary>
internal static class AddPartitionsToTxnHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var transactionalId = request.String();
        var producerId = request.Int64();
        var epoch = request.Int16();
        var topics = request.Array(r => (Topic: r.String(), Partitions: (IReadOnlyList<int>)r.Array(rr => rr.Int32(), 4)), 6);
        var results = ctx.Cluster.Transactions.AddPartitions(transactionalId, producerId, epoch, topics);
        response.Int32(0);
        response.Array(results, (w, topic) =>
        {
            w.String(topic.Topic);
            w.Array(topic.Partitions, (ww, p) => ww.Int32(p.Partition).Int16(TransactionErrors.ForVersion(p.Error, ctx.Version, 2)));
        });
    }
}
