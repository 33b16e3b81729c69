using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// IncrementalAlterConfigs v0: changes the named configs of a topic and leaves the others. SET sets a value, DELETE
/// returns it to its default, APPEND and SUBTRACT add or remove items of a list config (here: cleanup.policy).
/// Results are checked like CreateTopics configs; one bad entry changes nothing for its resource.
/// </summary>
internal static class IncrementalAlterConfigsHandler
{
    private const sbyte Set = 0, Delete = 1, Append = 2, Subtract = 3;

    /// <summary>The list-typed topic configs APPEND and SUBTRACT apply to.</summary>
    private static readonly HashSet<string> ListConfigs = new(StringComparer.Ordinal) { "cleanup.policy" };

    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var resources = request.Array(r => (Type: r.Int8(), Name: r.String(),
            Configs: r.Array(rr => (Name: rr.String(), Op: rr.Int8(), Value: rr.NullableString()), 5)), 7);
        var validateOnly = request.Bool();

        response.Int32(0); // throttle
        response.Array(resources, (w, res) =>
        {
            var (error, message) = Alter(ctx.Cluster, res.Type, res.Name, res.Configs, validateOnly);
            w.Int16(error).String(message).Int8(res.Type).String(res.Name);
        });
    }

    private static (short, string?) Alter(ClusterState cluster, sbyte type, string name,
        List<(string Name, sbyte Op, string? Value)> changes, bool validateOnly)
    {
        if (ConfigResources.Topic(cluster, type, name, out var topic) is { } refused) return refused;
        var configs = new Dictionary<string, string>(topic!.Configs, StringComparer.Ordinal);
        foreach (var (key, op, value) in changes)
        {
            if (TopicConfigs.Validate(key, null) is { } unknown) return (ErrorCode.InvalidConfig, unknown);
            switch (op)
            {
                case Set:
                    if (value is null) return (ErrorCode.InvalidRequest, $"SET of {key} needs a value.");
                    configs[key] = value;
                    break;
                case Delete:
                    configs.Remove(key);
                    break;
                case Append or Subtract:
                    if (!ListConfigs.Contains(key)) return (ErrorCode.InvalidConfig, $"{key} is not a list; APPEND and SUBTRACT apply to lists only.");
                    if (value is null) return (ErrorCode.InvalidRequest, $"{(op == Append ? "APPEND" : "SUBTRACT")} to {key} needs a value.");
                    var items = cluster.ConfigValue(topic, key).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                    if (configs.TryGetValue(key, out var set)) items = set.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                    foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        if (op == Append) { if (!items.Contains(item)) items.Add(item); }
                        else items.Remove(item);
                    configs[key] = string.Join(",", items);
                    break;
                default:
                    return (ErrorCode.InvalidRequest, $"Unknown config operation {op} for {key}.");
            }
            if (configs.TryGetValue(key, out var result) && TopicConfigs.Validate(key, result) is { } reason)
                return (ErrorCode.InvalidConfig, reason);
        }
        if (!validateOnly) cluster.ReplaceConfigs(topic, configs);
        return (ErrorCode.None, null);
    }
}
