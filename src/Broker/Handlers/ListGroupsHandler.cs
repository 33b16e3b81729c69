using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>ListGroups v0-2: the groups the answering broker coordinates, as on Kafka (an admin client asks every broker).</summary>
internal static class ListGroupsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        if (ctx.Version >= 1) response.Int32(0);
        response.Int16(ErrorCode.None);
        var mine = ctx.Cluster.Groups.List().Where(g => ctx.Cluster.CoordinatorFor(g.GroupId).Id == ctx.Node.Id).ToList();
        response.Array(mine, (w, g) => w.String(g.GroupId).String(g.ProtocolType));
    }
}
