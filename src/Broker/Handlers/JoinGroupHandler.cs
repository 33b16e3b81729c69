using ContactCenter.Broker.Groups;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>JoinGroup v0-5: waits until the rebalance completes; the leader gets every member's metadata.</summary>
internal static class JoinGroupHandler
{
    public static async Task Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var groupId = request.String();
        var sessionTimeout = request.Int32();
        var rebalanceTimeout = v >= 1 ? request.Int32() : sessionTimeout;
        var memberId = request.String();
        var instanceId = v >= 5 ? request.NullableString() : null;
        var protocolType = request.String();
        var protocols = request.Array(r => new GroupProtocol(r.String(), r.Bytes().ToArray()), 6);

        var result = await ctx.Cluster.Groups.JoinAsync(groupId, memberId, instanceId, sessionTimeout, rebalanceTimeout,
            protocolType, protocols, ctx.Header.ClientId ?? "", ctx.ClientHost).WaitAsync(ctx.Cancellation).ConfigureAwait(false);

        if (v >= 2) response.Int32(0);
        response.Int16(result.Error).Int32(result.Generation).String(result.ProtocolName).String(result.LeaderId).String(result.MemberId);
        response.Array(result.Members, (w, m) =>
        {
            w.String(m.MemberId);
            if (v >= 5) w.String(m.InstanceId);
            w.Bytes(m.Metadata);
        });
    }
}
