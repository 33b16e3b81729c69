namespace ContactCenter.Broker.Groups;

/// <summary>A member's supported protocol: the assignor name and the client's opaque subscription metadata.</summary>
internal sealed record GroupProtocol(string Name, byte[] Metadata);

/// <summary>What a JoinGroup is answered with (members only for the leader).</summary>
internal sealed record JoinResult(short Error, int Generation, string ProtocolName, string LeaderId, string MemberId,
    IReadOnlyList<(string MemberId, string? InstanceId, byte[] Metadata)> Members);

/// <summary>What a SyncGroup is answered with.</summary>
internal sealed record SyncResult(short Error, byte[] Assignment, string? ProtocolType = null, string? ProtocolName = null);

/// <summary>One member of a classic consumer group, as the coordinator tracks it.</summary>
internal sealed class GroupMember(string memberId)
{
    public string MemberId { get; } = memberId;
    public string? InstanceId { get; set; }
    public string ClientId { get; set; } = "";
    public string ClientHost { get; set; } = "";
    public int SessionTimeoutMs { get; set; }
    public int RebalanceTimeoutMs { get; set; }
    public IReadOnlyList<GroupProtocol> Protocols { get; set; } = [];
    public byte[] Assignment { get; set; } = [];
    public TaskCompletionSource<JoinResult>? PendingJoin { get; set; }
    public TaskCompletionSource<SyncResult>? PendingSync { get; set; }
    public long LastSeenMs { get; set; }

    public GroupProtocol? Protocol(string name) => Protocols.FirstOrDefault(p => p.Name == name);
}
