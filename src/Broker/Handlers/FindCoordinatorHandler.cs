using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// FindCoordinator v0-2: groups are spread over the brokers by a hash of their id (<see cref="ClusterState.CoordinatorFor"/>).
/// A stopped broker coordinates nothing: its groups move to the brokers that are up, and come back when it does.
/// </summary>
internal static class FindCoordinatorHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var key = request.String();
        var keyType = v >= 1 ? request.Int8() : (sbyte)0;
        if (v >= 1) response.Int32(0);
        if (keyType != 0)
        {
            response.Int16(ErrorCode.CoordinatorNotAvailable);
            if (v >= 1) response.String("transactions are not supported by the embedded broker");
            response.Int32(-1).String("").Int32(-1);
            return;
        }
        var node = ctx.Cluster.CoordinatorFor(key);
        response.Int16(ErrorCode.None);
        if (v >= 1) response.String(null);
        response.Int32(node.Id).String(node.Host).Int32(node.Port);
    }
}
