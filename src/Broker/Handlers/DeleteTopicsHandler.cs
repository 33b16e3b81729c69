using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>DeleteTopics v0-3: the topic and its data are gone at once.</summary>
internal static class DeleteTopicsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var names = request.Array(r => r.String(), 2);
        request.Int32(); // timeout
        if (ctx.Version >= 1) response.Int32(0);
        response.Array(names, (w, name) =>
            w.String(name).Int16(ctx.Cluster.Delete(name) ? ErrorCode.None : ErrorCode.UnknownTopicOrPartition));
    }
}
