using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Groups;

/// <summary>
/// The classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, offset commits). The coordinator only
/// relays: the leader client computes the assignment from the members' metadata and hands it back in SyncGroup.
/// A rebalance completes as soon as every known member has rejoined, or at the rebalance timeout, dropping those that
/// did not; members whose session passes without a heartbeat are removed (<see cref="Tick"/>). One lock for all groups.
/// </summary>
internal sealed class GroupCoordinator : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly KafkaBrokerOptions options;
    private readonly OffsetJournal? _journal;

    public GroupCoordinator(KafkaBrokerOptions options)
    {
        this.options = options;
        if (options.DataDirectory is { } root)
        {
            Directory.CreateDirectory(root);
            _journal = new OffsetJournal(Path.Combine(root, "__consumer_offsets.jsonl"), options.Fsync);
            foreach (var c in _journal.Load())
                if (c.GroupDeleted) _groups.Remove(c.Group);
                else GetOrCreate(c.Group).Offsets[(c.Topic, c.Partition)] = (c.Offset, c.Metadata);
        }
    }

    public void Dispose() => _journal?.Dispose();

    /// <summary>Forces committed offsets to the disk if any came since the last call (fsync interval).</summary>
    public void SyncJournal() => _journal?.SyncIfDirty();

    /// <summary>
    /// DeleteGroups: forgets a group without members and its committed offsets. NON_EMPTY_GROUP while it has
    /// members, GROUP_ID_NOT_FOUND when unknown.
    /// </summary>
    public short Delete(string groupId)
    {
        if (string.IsNullOrEmpty(groupId)) return ErrorCode.InvalidGroupId;
        lock (_gate)
        {
            if (!_groups.TryGetValue(groupId, out var group)) return ErrorCode.GroupIdNotFound;
            if (group.Members.Count > 0) return ErrorCode.NonEmptyGroup;
            _groups.Remove(groupId);
            _journal?.Append(new OffsetJournal.Commit(groupId, "", -1, -1, null, GroupDeleted: true));
            return ErrorCode.None;
        }
    }

    private static long Now => Environment.TickCount64;

    private static readonly IReadOnlyList<(string, string?, byte[])> NoMembers = [];

    private JoinResult Failed(short error, string memberId = "") => new(error, -1, "", "", memberId, NoMembers);

    public Task<JoinResult> JoinAsync(string groupId, string memberId, string? instanceId, int sessionTimeoutMs,
        int rebalanceTimeoutMs, string protocolType, IReadOnlyList<GroupProtocol> protocols, string clientId, string clientHost)
    {
        if (string.IsNullOrEmpty(groupId)) return Task.FromResult(Failed(ErrorCode.InvalidGroupId));
        if (sessionTimeoutMs < options.MinSessionTimeout.TotalMilliseconds || sessionTimeoutMs > options.MaxSessionTimeout.TotalMilliseconds)
            return Task.FromResult(Failed(ErrorCode.InvalidSessionTimeout));
        if (protocols.Count == 0) return Task.FromResult(Failed(ErrorCode.InconsistentGroupProtocol));
        lock (_gate)
        {
            var group = GetOrCreate(groupId);
            if (group.Members.Count > 0 &&
                (group.ProtocolType != protocolType ||
                 !protocols.Any(p => group.Members.Values.All(m => m.Protocol(p.Name) is not null))))
                return Task.FromResult(Failed(ErrorCode.InconsistentGroupProtocol, memberId));

            GroupMember? member;
            if (memberId.Length == 0)
            {
                member = new GroupMember($"{(clientId.Length == 0 ? "member" : clientId)}-{Guid.NewGuid():N}");
                group.Members[member.MemberId] = member;
            }
            else if (!group.Members.TryGetValue(memberId, out member))
            {
                return Task.FromResult(Failed(ErrorCode.UnknownMemberId, memberId));
            }

            var sameMetadata = member.Protocols.Count == protocols.Count &&
                member.Protocols.Zip(protocols).All(pair => pair.First.Name == pair.Second.Name && pair.First.Metadata.AsSpan().SequenceEqual(pair.Second.Metadata));
            member.InstanceId = instanceId;
            member.ClientId = clientId;
            member.ClientHost = clientHost;
            member.SessionTimeoutMs = sessionTimeoutMs;
            member.RebalanceTimeoutMs = rebalanceTimeoutMs;
            member.Protocols = protocols;
            member.LastSeenMs = Now;
            group.ProtocolType = protocolType;

            // A follower rejoining a stable group with nothing new gets the current generation back (as Kafka does).
            if (group.State == GroupState.Stable && sameMetadata && member.MemberId != group.LeaderId && group.ProtocolName is not null)
                return Task.FromResult(new JoinResult(ErrorCode.None, group.Generation, group.ProtocolName, group.LeaderId ?? "", member.MemberId, NoMembers));

            member.PendingJoin?.TrySetResult(Failed(ErrorCode.RebalanceInProgress, member.MemberId));
            member.PendingJoin = new TaskCompletionSource<JoinResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = member.PendingJoin.Task;
            if (group.State != GroupState.PreparingRebalance) PrepareRebalance(group);
            TryCompleteJoin(group);
            return task;
        }
    }

    public Task<SyncResult> SyncAsync(string groupId, int generation, string memberId, IReadOnlyDictionary<string, byte[]> assignments)
    {
        lock (_gate)
        {
            if (!_groups.TryGetValue(groupId, out var group) || !group.Members.TryGetValue(memberId, out var member))
                return Task.FromResult(new SyncResult(ErrorCode.UnknownMemberId, []));
            if (generation != group.Generation) return Task.FromResult(new SyncResult(ErrorCode.IllegalGeneration, []));
            member.LastSeenMs = Now;
            switch (group.State)
            {
                case GroupState.PreparingRebalance:
                    return Task.FromResult(new SyncResult(ErrorCode.RebalanceInProgress, []));
                case GroupState.Stable:
                    return Task.FromResult(new SyncResult(ErrorCode.None, member.Assignment, group.ProtocolType, group.ProtocolName));
                case GroupState.CompletingRebalance:
                    member.PendingSync?.TrySetResult(new SyncResult(ErrorCode.RebalanceInProgress, []));
                    member.PendingSync = new TaskCompletionSource<SyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                    var task = member.PendingSync.Task;
                    if (memberId == group.LeaderId)
                    {
                        foreach (var m in group.Members.Values)
                            m.Assignment = assignments.TryGetValue(m.MemberId, out var a) ? a : [];
                        group.State = GroupState.Stable;
                        foreach (var m in group.Members.Values)
                        {
                            m.PendingSync?.TrySetResult(new SyncResult(ErrorCode.None, m.Assignment, group.ProtocolType, group.ProtocolName));
                            m.PendingSync = null;
                        }
                    }
                    return task;
                default:
                    return Task.FromResult(new SyncResult(ErrorCode.UnknownMemberId, []));
            }
        }
    }

    public short Heartbeat(string groupId, int generation, string memberId)
    {
        lock (_gate)
        {
            if (!_groups.TryGetValue(groupId, out var group) || !group.Members.TryGetValue(memberId, out var member))
                return ErrorCode.UnknownMemberId;
            if (generation != group.Generation) return ErrorCode.IllegalGeneration;
            member.LastSeenMs = Now;
            return group.State == GroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
    }

    public short Leave(string groupId, string memberId)
    {
        lock (_gate)
        {
            if (!_groups.TryGetValue(groupId, out var group) || !group.Members.ContainsKey(memberId))
                return ErrorCode.UnknownMemberId;
            RemoveMember(group, memberId);
            return ErrorCode.None;
        }
    }

    /// <summary>Commits offsets; a generation of -1 is a standalone commit (no membership checked).</summary>
    public short CommitCheck(string groupId, int generation, string memberId)
    {
        if (string.IsNullOrEmpty(groupId)) return ErrorCode.InvalidGroupId;
        lock (_gate)
        {
            var group = GetOrCreate(groupId);
            if (generation < 0 && group.Members.Count == 0) return ErrorCode.None;
            if (generation < 0) return ErrorCode.None; // Kafka refuses while members exist only for the new protocol
            if (!group.Members.TryGetValue(memberId, out var member)) return ErrorCode.UnknownMemberId;
            if (generation != group.Generation) return ErrorCode.IllegalGeneration;
            member.LastSeenMs = Now;
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// TxnOffsetCommit v3 (KIP-447): a producer that passes its consumer's group metadata commits only while that
    /// consumer is a member of the group's current generation, so a zombie that lost its partitions in a rebalance
    /// cannot commit offsets over its successor's. No metadata (generation -1, no member id, no instance id) is not
    /// checked, as on Kafka.
    /// </summary>
    public short TxnCommitCheck(string groupId, int generation, string memberId, string? instanceId)
    {
        if (generation < 0 && memberId.Length == 0 && instanceId is null) return ErrorCode.None;
        lock (_gate)
        {
            if (!_groups.TryGetValue(groupId, out var group) || !group.Members.TryGetValue(memberId, out var member))
                return instanceId is not null && group?.Members.Values.Any(m => m.InstanceId == instanceId) == true
                    ? ErrorCode.FencedInstanceId
                    : ErrorCode.UnknownMemberId;
            if (instanceId is not null && member.InstanceId != instanceId) return ErrorCode.FencedInstanceId;
            if (generation != group.Generation) return ErrorCode.IllegalGeneration;
            return ErrorCode.None;
        }
    }

    public void StoreOffset(string groupId, string topic, int partition, long offset, string? metadata)
    {
        lock (_gate)
        {
            GetOrCreate(groupId).Offsets[(topic, partition)] = (offset, metadata);
            _journal?.Append(new OffsetJournal.Commit(groupId, topic, partition, offset, metadata));
        }
    }

    /// <summary>Committed offsets of a group: of the given partitions, or all when <paramref name="wanted"/> is null.</summary>
    public List<(string Topic, int Partition, long Offset, string? Metadata)> Committed(string groupId, IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)>? wanted)
    {
        lock (_gate)
        {
            _groups.TryGetValue(groupId, out var group);
            var result = new List<(string, int, long, string?)>();
            if (wanted is null)
            {
                if (group is not null)
                    foreach (var ((t, p), (o, m)) in group.Offsets) result.Add((t, p, o, m));
                return result;
            }
            foreach (var (topic, partitions) in wanted)
                foreach (var p in partitions)
                    result.Add(group is not null && group.Offsets.TryGetValue((topic, p), out var c) ? (topic, p, c.Offset, c.Metadata) : (topic, p, -1L, null));
            return result;
        }
    }

    /// <summary>A snapshot of a group for DescribeGroups; null when unknown.</summary>
    public (string State, string ProtocolType, string Protocol, List<(string MemberId, string? InstanceId, string ClientId, string Host, byte[] Metadata, byte[] Assignment)> Members)? Describe(string groupId)
    {
        lock (_gate)
        {
            if (!_groups.TryGetValue(groupId, out var group)) return null;
            var members = group.Members.Values.Select(m => (m.MemberId, m.InstanceId, m.ClientId, m.ClientHost,
                group.ProtocolName is { } p && m.Protocol(p) is { } proto ? proto.Metadata : [],
                group.State == GroupState.Stable ? m.Assignment : [])).ToList();
            return (group.State.ToString(), group.ProtocolType ?? "", group.State == GroupState.Stable ? group.ProtocolName ?? "" : "", members);
        }
    }

    public List<(string GroupId, string ProtocolType, string State)> List()
    {
        lock (_gate) return _groups.Values.Select(g => (g.Id, g.ProtocolType ?? "", g.State.ToString())).ToList();
    }

    /// <summary>Expires silent members and overdue rebalances; called by the broker's housekeeping timer.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            var now = Now;
            foreach (var group in _groups.Values)
            {
                foreach (var member in group.Members.Values.ToList())
                    if (member.PendingJoin is null && now - member.LastSeenMs > member.SessionTimeoutMs)
                        RemoveMember(group, member.MemberId);
                if (group.State == GroupState.PreparingRebalance)
                {
                    if (now >= group.RebalanceDeadlineMs)
                        foreach (var member in group.Members.Values.Where(m => m.PendingJoin is null).ToList())
                            group.Members.Remove(member.MemberId);
                    TryCompleteJoin(group);
                }
            }
        }
    }

    private ConsumerGroup GetOrCreate(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
            _groups[groupId] = group = new ConsumerGroup(groupId);
        return group;
    }

    private void PrepareRebalance(ConsumerGroup group)
    {
        // Syncs waiting on a generation that is being replaced learn about it now.
        foreach (var m in group.Members.Values)
        {
            m.PendingSync?.TrySetResult(new SyncResult(ErrorCode.RebalanceInProgress, []));
            m.PendingSync = null;
        }
        var now = Now;
        if (group.State == GroupState.Empty) group.InitialDelayUntilMs = now + (long)options.InitialRebalanceDelay.TotalMilliseconds;
        group.State = GroupState.PreparingRebalance;
        var timeout = group.Members.Values.Select(m => m.RebalanceTimeoutMs).DefaultIfEmpty(0).Max();
        group.RebalanceDeadlineMs = now + Math.Max(timeout, 1);
    }

    private void RemoveMember(ConsumerGroup group, string memberId)
    {
        if (!group.Members.Remove(memberId, out var member)) return;
        member.PendingJoin?.TrySetResult(Failed(ErrorCode.UnknownMemberId, memberId));
        member.PendingSync?.TrySetResult(new SyncResult(ErrorCode.UnknownMemberId, []));
        if (group.Members.Count == 0)
        {
            group.State = GroupState.Empty;
            group.Generation++;
            group.LeaderId = null;
            group.ProtocolName = null;
            return;
        }
        if (group.State != GroupState.PreparingRebalance) PrepareRebalance(group);
        TryCompleteJoin(group);
    }

    private void TryCompleteJoin(ConsumerGroup group)
    {
        if (group.State != GroupState.PreparingRebalance) return;
        if (group.Members.Count == 0)
        {
            group.State = GroupState.Empty;
            group.Generation++;
            return;
        }
        if (group.Members.Values.Any(m => m.PendingJoin is null)) return;
        if (Now < group.InitialDelayUntilMs) return;

        group.Generation++;
        if (group.LeaderId is null || !group.Members.ContainsKey(group.LeaderId))
            group.LeaderId = group.Members.Keys.First();
        var leader = group.Members[group.LeaderId];
        group.ProtocolName = leader.Protocols.Select(p => p.Name)
            .First(name => group.Members.Values.All(m => m.Protocol(name) is not null));
        group.State = GroupState.CompletingRebalance;
        var all = group.Members.Values.Select(m => (m.MemberId, m.InstanceId, m.Protocol(group.ProtocolName)!.Metadata)).ToList();
        var now = Now;
        foreach (var m in group.Members.Values)
        {
            m.LastSeenMs = now;
            var result = new JoinResult(ErrorCode.None, group.Generation, group.ProtocolName, group.LeaderId, m.MemberId,
                m.MemberId == group.LeaderId ? all : NoMembers);
            var pending = m.PendingJoin;
            m.PendingJoin = null;
            pending?.TrySetResult(result);
        }
    }
}
