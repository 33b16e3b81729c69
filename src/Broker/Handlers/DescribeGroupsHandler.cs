using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>DescribeGroups v0-4: state, protocol and members (with assignments once stable); unknown groups are "Dead".</summary>
internal static class DescribeGroupsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var groups = request.Array(r => r.String(), 2);
        if (v >= 3) request.Bool();
        if (v >= 1) response.Int32(0);
        response.Array(groups, (w, id) =>
        {
            var described = ctx.Cluster.Groups.Describe(id);
            w.Int16(ErrorCode.None).String(id);
            if (described is not { } d)
            {
                w.String("Dead").String("").String("").Int32(0);
            }
            else
            {
                w.String(d.State).String(d.ProtocolType).String(d.Protocol);
                w.Array(d.Members, (ww, m) =>
                {
                    ww.String(m.MemberId);
                    if (v >= 4) ww.String(m.InstanceId);
                    ww.String(m.ClientId).String(m.Host).Bytes(m.Metadata).Bytes(m.Assignment);
                });
            }
            if (v >= 3) w.Int32(int.MinValue); // authorized operations: not computed
        });
    }
}
