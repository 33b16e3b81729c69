using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>InitProducerId v0-1: a fresh producer id (epoch 0) for idempotent producers. No transactions.</summary>
internal static class InitProducerIdHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var transactionalId = request.NullableString();
        request.Int32(); // transaction timeout
        response.Int32(0);
        if (transactionalId is not null)
        {
            response.Int16(ErrorCode.CoordinatorNotAvailable).Int64(-1).Int16(-1);
            return;
        }
        response.Int16(ErrorCode.None).Int64(ctx.Cluster.NextProducerId()).Int16(0);
    }
}
