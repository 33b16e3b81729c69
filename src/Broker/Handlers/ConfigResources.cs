using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>The config resources AlterConfigs and IncrementalAlterConfigs accept: existing topics.</summary>
internal static class ConfigResources
{
    public const sbyte TopicType = 2;
    public const sbyte BrokerType = 4;

    /// <summary>Null (and the topic) when the resource is an existing topic, else the error to answer.</summary>
    public static (short Error, string? Message)? Topic(ClusterState cluster, sbyte type, string name, out TopicLog? topic)
    {
        topic = null;
        if (type == BrokerType)
            return (ErrorCode.InvalidRequest, "The embedded broker's own settings are its start options; they cannot be altered.");
        if (type != TopicType) return (ErrorCode.InvalidRequest, $"Resource type {type} cannot be altered.");
        topic = cluster.Topic(name);
        return topic is null ? (ErrorCode.UnknownTopicOrPartition, $"Topic '{name}' does not exist.") : null;
    }
}
