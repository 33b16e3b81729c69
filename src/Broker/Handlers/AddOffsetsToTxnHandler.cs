using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>AddOffsetsToTxn v0-2: a consumer group whose offsets the transaction will commit (TxnOffsetCommit).</summary>
internal static class AddOffsetsToTxnHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var transactionalId = request.String();
        var producerId = request.Int64();
        var epoch = request.Int16();
        var groupId = request.String();
        var error = ctx.Cluster.Transactions.AddOffsets(transactionalId, producerId, epoch, groupId);
        response.Int32(0).Int16(TransactionErrors.ForVersion(error, ctx.Version, 2));
    }
}
