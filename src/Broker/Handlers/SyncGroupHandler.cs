using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>SyncGroup v0-3: the leader hands in the assignment; every member waits for its share.</summary>
internal static class SyncGroupHandler
{
    public static async Task Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var groupId = request.String();
        var generation = request.Int32();
        var memberId = request.String();
        if (v >= 3) request.NullableString(); // group instance id
        var assignments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (member, assignment) in request.Array(r => (r.String(), r.Bytes().ToArray()), 6))
            assignments[member] = assignment;

        var result = await ctx.Cluster.Groups.SyncAsync(groupId, generation, memberId, assignments)
            .WaitAsync(ctx.Cancellation).ConfigureAwait(false);
        if (v >= 1) response.Int32(0);
        response.Int16(result.Error).Bytes(result.Assignment);
    }
}
