using ContactCenter.Processor.Pipeline;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>The rules that tell a Redis that lost writes from a new one (<see cref="RedisLoss"/>), case by case.</summary>
[Trait("Kind", "Unit")]
public class RedisLossRulesTests
{
    [Theory]
    [InlineData(true, null, null, null, false)]    // a new pipeline: nothing anywhere
    [InlineData(false, null, null, null, false)]   // a new pipeline before its epoch is set
    [InlineData(true, 9L, 10L, 10L, false)]        // Redis at the commit
    [InlineData(true, 14L, 10L, 15L, false)]       // Redis ahead of the commit (written first): snapshot first
    [InlineData(true, 9L, null, 10L, false)]       // Redis wrote, the group never committed
    [InlineData(false, 9L, 10L, 10L, true)]        // the epoch is gone: everything was lost
    [InlineData(true, null, 10L, 10L, true)]       // the partition's offset key is gone
    [InlineData(true, 3L, 10L, 10L, true)]         // the offset went back (a lagging replica was promoted)
    public void Decide(bool epoch, long? applied, long? committed, long? start, bool lost)
    {
        var decision = RedisLoss.Decide(2, epoch, applied, committed);
        Assert.Equal(start, decision.Start);
        Assert.Equal(lost, decision.Lost is not null);
        Assert.Equal(lost ? committed!.Value : 0, decision.RebuildUpTo);
    }

    [Fact]
    public void While_running_a_missing_epoch_loses_every_acknowledged_partition_and_an_offset_behind_loses_its_own()
    {
        var acknowledged = new Dictionary<int, long> { [0] = 10, [1] = 20, [2] = 30 };
        Assert.Equal([0, 1, 2], RedisLoss.Check(false, acknowledged, acknowledged).Select(l => l.Partition).Order());
        Assert.Empty(RedisLoss.Check(true, acknowledged, acknowledged));
        var applied = new Dictionary<int, long> { [0] = 12, [2] = 5 };
        Assert.Equal([1, 2], RedisLoss.Check(true, applied, acknowledged).Select(l => l.Partition).Order());
    }
}
