using ContactCenter.Broker.Protocol;
using ContactCenter.Broker.Transactions;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// DescribeTransactions v0 (KIP-664, flexible): state, timeout, start time, producer id and epoch and the partitions of
/// each asked transactional id. As on Kafka, a broker answers only for the ids it coordinates (NOT_COORDINATOR
/// otherwise) and TRANSACTIONAL_ID_NOT_FOUND for an id never initialised.
/// </summary>
internal static class DescribeTransactionsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var ids = request.CompactArray(r => r.CompactString());
        request.SkipTaggedFields();
        var known = ctx.Cluster.Transactions.Snapshot().ToDictionary(t => t.TransactionalId, StringComparer.Ordinal);
        response.Int32(0);
        response.CompactArray(ids, (w, id) =>
        {
            var error = ctx.Cluster.CoordinatorFor(id).Id != ctx.Node.Id ? ErrorCode.NotCoordinator
                : known.ContainsKey(id) ? ErrorCode.None : ErrorCode.TransactionalIdNotFound;
            var t = error == ErrorCode.None ? known[id] : null;
            w.Int16(error).CompactString(id).CompactString(t?.Status.ToString() ?? "").Int32(t?.TimeoutMs ?? 0)
                .Int64(t?.StartedUnixMs ?? -1).Int64(t?.ProducerId ?? -1).Int16(t?.Epoch ?? -1);
            var byTopic = (t?.Partitions ?? []).GroupBy(p => p.Topic, StringComparer.Ordinal).ToList();
            w.CompactArray(byTopic, (ww, topic) =>
            {
                ww.CompactString(topic.Key);
                ww.CompactArray(topic.Select(p => p.Partition).ToList(), (www, p) => www.Int32(p));
                ww.NoTaggedFields();
            });
            w.NoTaggedFields();
        });
        response.NoTaggedFields();
    }
}
