using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>LeaveGroup v0-2: the member is removed at once and the rest rebalance.</summary>
internal static class LeaveGroupHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var groupId = request.String();
        var memberId = request.String();
        var error = ctx.Cluster.Groups.Leave(groupId, memberId);
        if (ctx.Version >= 1) response.Int32(0);
        response.Int16(error);
    }
}
