using ContactCenter.Broker.Protocol;
using ContactCenter.Broker.Transactions;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// ListTransactions v0 (KIP-664, flexible): the transactional ids the answering broker coordinates (an admin client
/// asks every broker), filtered by state and producer id; filter states Kafka does not know come back in
/// UnknownStateFilters.
/// </summary>
internal static class ListTransactionsHandler
{
    /// <summary>The states Kafka's transaction coordinator reports (some never occur here).</summary>
    private static readonly HashSet<string> KafkaStates = new(StringComparer.Ordinal)
    {
        "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence",
    };

    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var states = request.CompactArray(r => r.CompactString());
        var producerIds = request.CompactArray(r => r.Int64(), 8);
        request.SkipTaggedFields();
        var unknown = states.Where(s => !KafkaStates.Contains(s)).Distinct(StringComparer.Ordinal).ToList();
        var listed = ctx.Cluster.Transactions.Snapshot()
            .Where(t => ctx.Cluster.CoordinatorFor(t.TransactionalId).Id == ctx.Node.Id)
            .Where(t => states.Count == 0 || states.Contains(t.Status.ToString()))
            .Where(t => producerIds.Count == 0 || producerIds.Contains(t.ProducerId))
            .OrderBy(t => t.TransactionalId, StringComparer.Ordinal)
            .ToList();
        response.Int32(0).Int16(ErrorCode.None);
        response.CompactArray(unknown, (w, s) => w.CompactString(s));
        response.CompactArray(listed, (w, t) => w.CompactString(t.TransactionalId).Int64(t.ProducerId).CompactString(t.Status.ToString()).NoTaggedFields());
        response.NoTaggedFields();
    }
}
