using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// DescribeConfigs v0-3 for topics: every known topic config, set ones marked as topic overrides (source 1), the rest
/// as defaults (source 5). Brokers are described with no configs.
/// </summary>
internal static class DescribeConfigsHandler
{
    private const sbyte TopicResource = 2;
    private const sbyte TopicOverride = 1;
    private const sbyte DefaultSource = 5;

    public static void Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        var resources = request.Array(r =>
        {
            var type = r.Int8();
            var name = r.String();
            var count = r.ArrayLength(2);
            List<string>? keys = null;
            if (count >= 0)
            {
                keys = [];
                for (var i = 0; i < count; i++) keys.Add(r.String());
            }
            return (Type: type, Name: name, Keys: keys);
        }, 7);
        if (v >= 1) request.Bool();
        if (v >= 3) request.Bool();

        response.Int32(0);
        response.Array(resources, (w, res) =>
        {
            var topic = res.Type == TopicResource ? ctx.Cluster.Topic(res.Name) : null;
            if (res.Type == TopicResource && topic is null)
            {
                w.Int16(ErrorCode.UnknownTopicOrPartition).String($"Topic '{res.Name}' does not exist.").Int8(res.Type).String(res.Name).Int32(0);
                return;
            }
            w.Int16(ErrorCode.None).String(null).Int8(res.Type).String(res.Name);
            var entries = topic is null
                ? []
                : TopicConfigs.Defaults.Keys.Where(k => res.Keys is null || res.Keys.Contains(k))
                    .Select(k => (Name: k, Value: ctx.Cluster.ConfigValue(topic, k), Set: topic.Configs.ContainsKey(k))).ToList();
            w.Array(entries, (ww, e) =>
            {
                ww.String(e.Name).String(e.Value).Bool(false);
                if (v == 0) ww.Bool(!e.Set);
                else ww.Int8(e.Set ? TopicOverride : DefaultSource);
                ww.Bool(false);
                if (v >= 1) ww.Int32(0); // synonyms
                if (v >= 3) ww.Int8(0).String(null);
            });
        });
    }
}
