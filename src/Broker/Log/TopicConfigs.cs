namespace ContactCenter.Broker.Log;

/// <summary>The topic configs the broker knows, with Kafka's defaults; others are refused by CreateTopics.</summary>
internal static class TopicConfigs
{
    public static readonly IReadOnlyDictionary<string, string> Defaults = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["cleanup.policy"] = "delete",
        ["retention.ms"] = "604800000",
        ["retention.bytes"] = "-1",
        ["segment.bytes"] = "1073741824",
        ["segment.ms"] = "604800000",
        ["min.insync.replicas"] = "1",
        ["max.message.bytes"] = "1048588",
        ["message.timestamp.type"] = "CreateTime",
        ["compression.type"] = "producer",
        ["delete.retention.ms"] = "86400000",
        ["min.compaction.lag.ms"] = "0",
        ["min.cleanable.dirty.ratio"] = "0.5",
        ["message.downconversion.enable"] = "true",
        ["unclean.leader.election.enable"] = "false",
    };

    /// <summary>Null when valid, else the reason.</summary>
    public static string? Validate(string name, string? value)
    {
        if (!Defaults.ContainsKey(name)) return $"Unknown topic config name: {name}";
        if (value is null) return null;
        return name switch
        {
            "cleanup.policy" => value.Split(',').All(v => v.Trim() is "delete" or "compact") ? null : $"Invalid value {value} for cleanup.policy",
            "retention.ms" or "retention.bytes" or "segment.bytes" or "segment.ms" or "min.insync.replicas" or "max.message.bytes"
                or "delete.retention.ms" or "min.compaction.lag.ms" =>
                long.TryParse(value, out _) ? null : $"Invalid value {value} for {name}: not a number",
            "min.cleanable.dirty.ratio" =>
                double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
                    ? null : $"Invalid value {value} for min.cleanable.dirty.ratio: a number from 0 to 1",
            _ => null,
        };
    }
}
