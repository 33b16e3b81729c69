using ContactCenter.Broker;
using ContactCenter.Broker.Groups;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Tests.Broker;

/// <summary>The classic group protocol as the coordinator runs it, driven directly (no network, no client).</summary>
[Trait("Kind", "Unit")]
public sealed class GroupCoordinatorTests
{
    private static readonly GroupProtocol[] Sticky = [new("cooperative-sticky", [1, 2, 3])];

    [Fact]
    public async Task Members_join_one_generation_the_leader_assigns_and_a_silent_member_is_expired()
    {
        var coordinator = new GroupCoordinator(new KafkaBrokerOptions());
        var a = await coordinator.JoinAsync("g", "", null, 1000, 5000, "consumer", Sticky, "a", "h");
        Assert.Equal(ErrorCode.None, a.Error);
        Assert.Equal(a.MemberId, a.LeaderId);
        Assert.Single(a.Members);
        Assert.Equal(ErrorCode.None, (await coordinator.SyncAsync("g", a.Generation, a.MemberId, new Dictionary<string, byte[]> { [a.MemberId] = [9] })).Error);

        // b joins: a learns through its heartbeat, rejoins, and both get the next generation.
        var bJoin = coordinator.JoinAsync("g", "", null, 1000, 5000, "consumer", Sticky, "b", "h");
        Assert.False(bJoin.IsCompleted);
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat("g", a.Generation, a.MemberId));
        var aAgain = await coordinator.JoinAsync("g", a.MemberId, null, 1000, 5000, "consumer", Sticky, "a", "h");
        var b = await bJoin;
        Assert.Equal(aAgain.Generation, b.Generation);
        Assert.Equal(a.Generation + 1, b.Generation);
        Assert.Equal(2, aAgain.Members.Count);  // the leader sees everyone
        Assert.Empty(b.Members);

        var bSync = coordinator.SyncAsync("g", b.Generation, b.MemberId, new Dictionary<string, byte[]>());
        Assert.False(bSync.IsCompleted);        // waits for the leader's assignment
        await coordinator.SyncAsync("g", aAgain.Generation, aAgain.MemberId,
            new Dictionary<string, byte[]> { [aAgain.MemberId] = [1], [b.MemberId] = [2] });
        Assert.Equal([2], (await bSync).Assignment);
        Assert.Equal(ErrorCode.IllegalGeneration, coordinator.Heartbeat("g", a.Generation, a.MemberId));

        // b stops heartbeating: after its session it is removed and a rebalance starts.
        await Task.Delay(1300);
        Assert.Equal(ErrorCode.None, coordinator.Heartbeat("g", aAgain.Generation, aAgain.MemberId));
        coordinator.Tick();
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.Heartbeat("g", b.Generation, b.MemberId));
        Assert.Equal(ErrorCode.RebalanceInProgress, coordinator.Heartbeat("g", aAgain.Generation, aAgain.MemberId));
    }

    [Fact]
    public async Task Commits_are_checked_against_the_generation_and_fetched_back()
    {
        var coordinator = new GroupCoordinator(new KafkaBrokerOptions());
        var a = await coordinator.JoinAsync("g", "", null, 6000, 6000, "consumer", Sticky, "a", "h");
        Assert.Equal(ErrorCode.IllegalGeneration, coordinator.CommitCheck("g", a.Generation + 1, a.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, coordinator.CommitCheck("g", a.Generation, "nobody"));
        Assert.Equal(ErrorCode.None, coordinator.CommitCheck("g", a.Generation, a.MemberId));
        coordinator.StoreOffset("g", "t", 1, 42, "meta");
        var committed = coordinator.Committed("g", [("t", [0, 1])]);
        Assert.Equal([("t", 0, -1L, (string?)null), ("t", 1, 42L, "meta")], committed);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol,
            (await coordinator.JoinAsync("g", "", null, 6000, 6000, "consumer", [new GroupProtocol("range", [])], "x", "h")).Error);
    }
}
