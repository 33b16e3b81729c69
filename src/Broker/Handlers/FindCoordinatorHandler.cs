using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// FindCoordinator v0-2: groups (key type 0) and transactional ids (key type 1) are spread over the brokers by a hash
/// of their id. Group and transaction state are shared by the whole process, so any broker would do; answering a
/// stable one (<see cref="ClusterState.CoordinatorFor"/>) keeps clients' expectations (one coordinator per group or
/// transactional id).
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
        if (keyType is not (0 or 1))
        {
            response.Int16(ErrorCode.InvalidRequest);
            if (v >= 1) response.String($"unknown coordinator key type {keyType}");
            response.Int32(-1).String("").Int32(-1);
            return;
        }
        var node = ctx.Cluster.CoordinatorFor(key);
        response.Int16(ErrorCode.None);
        if (v >= 1) response.String(null);
        response.Int32(node.Id).String(node.Host).Int32(node.Port);
    }
}
