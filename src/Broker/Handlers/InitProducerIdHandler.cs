using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// InitProducerId v0-1: without a transactional id, a fresh producer id (epoch 0) for an idempotent producer; with
/// one, the transaction coordinator's producer id and next epoch (see <see cref="Transactions.TransactionCoordinator.InitProducerId"/>).
/// </summary>
internal static class InitProducerIdHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var transactionalId = request.NullableString();
        var timeoutMs = request.Int32();
        response.Int32(0);
        if (transactionalId is null)
        {
            response.Int16(ErrorCode.None).Int64(ctx.Cluster.NextProducerId()).Int16(0);
            return;
        }
        var (error, producerId, epoch) = ctx.Cluster.Transactions.InitProducerId(transactionalId, timeoutMs);
        response.Int16(error).Int64(producerId).Int16(epoch);
    }
}
