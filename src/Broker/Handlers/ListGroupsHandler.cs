using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>ListGroups v0-2: every group the coordinator knows (all brokers share one coordinator).</summary>
internal static class ListGroupsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        if (ctx.Version >= 1) response.Int32(0);
        response.Int16(ErrorCode.None);
        response.Array(ctx.Cluster.Groups.List(), (w, g) => w.String(g.GroupId).String(g.ProtocolType));
    }
}
