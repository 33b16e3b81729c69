using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>Heartbeat v0-3: keeps the session alive; REBALANCE_IN_PROGRESS tells the member to rejoin.</summary>
internal static class HeartbeatHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var groupId = request.String();
        var generation = request.Int32();
        var memberId = request.String();
        if (ctx.Version >= 3) request.NullableString();
        var error = ctx.Cluster.Groups.Heartbeat(groupId, generation, memberId);
        if (ctx.Version >= 1) response.Int32(0);
        response.Int16(error);
    }
}
