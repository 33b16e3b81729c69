namespace ContactCenter.Broker.Groups;

/// <summary>States of a classic group, named as Kafka's DescribeGroups reports them.</summary>
internal enum GroupState { Empty, PreparingRebalance, CompletingRebalance, Stable, Dead }

/// <summary>One consumer group: its members, generation and committed offsets. Guarded by the coordinator's lock.</summary>
internal sealed class ConsumerGroup(string id)
{
    public string Id { get; } = id;
    public GroupState State { get; set; } = GroupState.Empty;
    public int Generation { get; set; }
    public string? ProtocolType { get; set; }
    public string? ProtocolName { get; set; }
    public string? LeaderId { get; set; }
    public Dictionary<string, GroupMember> Members { get; } = new(StringComparer.Ordinal);
    public long RebalanceDeadlineMs { get; set; }
    public long InitialDelayUntilMs { get; set; }
    public Dictionary<(string Topic, int Partition), (long Offset, string? Metadata)> Offsets { get; } = new();
}
