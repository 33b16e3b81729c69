using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>EndTxn v0-2: commit or abort; the markers are written before the answer goes out.</summary>
internal static class EndTxnHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var transactionalId = request.String();
        var producerId = request.Int64();
        var epoch = request.Int16();
        var commit = request.Bool();
        var error = ctx.Cluster.Transactions.End(transactionalId, producerId, epoch, commit);
        response.Int32(0).Int16(TransactionErrors.ForVersion(error, ctx.Version, 2));
    }
}
