using ContactCenter.Processor.Stages;
using ContactCenter.Stores.Redis;
using Xunit;

namespace ContactCenter.Tests.Processor.Stages;

/// <summary>When a stage counts as behind its source events (what the worker pools pace themselves by).</summary>
[Trait("Kind", "Unit")]
public class StageLagTests
{
    private static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(250);

    private static BatchAcknowledged Batch(params long[] sourceTimestamps) =>
        new(sourceTimestamps.Select((t, i) => new AgentStateWrite($"cc:agent:{i}", 0, i, [], t)).ToArray(), sourceTimestamps.Length, 0, new Dictionary<int, long>());

    [Fact]
    public void The_oldest_event_of_the_newest_batch_decides_and_only_while_that_batch_is_recent()
    {
        var lag = new StageLag();
        lag.OnAcknowledged(Batch(9_900, 9_500), nowTicksMs: 1_000, nowUnixMs: 10_000); // oldest event 500 ms old
        Assert.True(lag.IsBehind(Threshold, pendingWrites: 0, nowTicksMs: 1_200));
        Assert.False(lag.IsBehind(Threshold, pendingWrites: 0, nowTicksMs: 2_100)); // over a second ago, nothing pending: idle, not behind
        lag.OnAcknowledged(Batch(19_950, 19_900), nowTicksMs: 2_200, nowUnixMs: 20_000); // caught up: 100 ms
        Assert.False(lag.IsBehind(Threshold, pendingWrites: 0, nowTicksMs: 2_300));
    }

    [Fact]
    public void Writes_waiting_without_any_acknowledgement_count_as_behind()
    {
        var lag = new StageLag();
        lag.OnAcknowledged(Batch(9_990), nowTicksMs: 1_000, nowUnixMs: 10_000);
        Assert.False(lag.IsBehind(Threshold, pendingWrites: 5, nowTicksMs: 1_200));
        Assert.True(lag.IsBehind(Threshold, pendingWrites: 5, nowTicksMs: 1_300));
        Assert.False(lag.IsBehind(Threshold, pendingWrites: 0, nowTicksMs: 1_300));
    }
}
