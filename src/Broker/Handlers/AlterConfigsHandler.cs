using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// AlterConfigs v0-1: replaces a topic's whole set of configs with the given ones (what is not named goes back to
/// its default), checked like CreateTopics configs. Broker resources are refused (the embedded broker's settings
/// are its options).
/// </summary>
internal static class AlterConfigsHandler
{
    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var resources = request.Array(r => (Type: r.Int8(), Name: r.String(),
            Configs: r.Array(rr => (Name: rr.String(), Value: rr.NullableString()), 4)), 7);
        var validateOnly = request.Bool();

        response.Int32(0); // throttle
        response.Array(resources, (w, res) =>
        {
            var (error, message) = Alter(ctx.Cluster, res.Type, res.Name, res.Configs, validateOnly);
            w.Int16(error).String(message).Int8(res.Type).String(res.Name);
        });
    }

    private static (short, string?) Alter(ClusterState cluster, sbyte type, string name, List<(string Name, string? Value)> configs, bool validateOnly)
    {
        if (ConfigResources.Topic(cluster, type, name, out var topic) is { } refused) return refused;
        var replaced = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in configs)
        {
            if (TopicConfigs.Validate(key, value) is { } reason) return (ErrorCode.InvalidConfig, reason);
            if (value is not null) replaced[key] = value;
        }
        if (!validateOnly) cluster.ReplaceConfigs(topic!, replaced);
        return (ErrorCode.None, null);
    }
}
