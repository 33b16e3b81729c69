using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// DeleteGroups v0-1: removes a group and its committed offsets. Only a group without members can go
/// (NON_EMPTY_GROUP otherwise); an unknown one is GROUP_ID_NOT_FOUND.
/// </summary>
internal static class DeleteGroupsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var groups = request.Array(r => r.String(), 2);
        response.Int32(0); // throttle
        response.Array(groups, (w, group) => w.String(group).Int16(ctx.Cluster.Groups.Delete(group)));
    }
}
