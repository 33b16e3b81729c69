namespace ContactCenter.Processor.Pipeline;

/// <summary>Where a partition of the state stage starts and whether Redis lost what it had applied of it.</summary>
/// <param name="Start">Offset to resume from; null means "the group's position, else earliest" (nothing known).</param>
/// <param name="Lost">Why Redis lost writes of this partition; null when it did not.</param>
/// <param name="RebuildUpTo">When lost: rebuild from the start of the topic up to this offset (exclusive).</param>
internal readonly record struct PartitionStart(int Partition, long? Start, string? Lost, long RebuildUpTo);

/// <summary>
/// The rules that tell a Redis that lost writes from one that is merely new. Redis is written before Kafka offsets
/// are committed, so for every partition the offset Redis recorded is at least the committed offset minus one; and
/// the stage's epoch key, set once, survives as long as Redis keeps its data. So:
/// <list type="bullet">
/// <item>no epoch while the group has committed offsets: Redis lost everything (restart without persistence, FLUSHALL);</item>
/// <item>no offset key for a partition with a committed offset: that partition's writes were lost;</item>
/// <item>an offset key behind the committed offset: Redis went back in time (a lagging replica was promoted).</item>
/// </list>
/// A lost partition never resumes from the group's offset alone: live consumption goes on from there while everything
/// before it is rebuilt in the background from the derived topic, through the same fence.
/// </summary>
internal static class RedisLoss
{
    /// <param name="epochPresent">The stage's epoch key exists.</param>
    /// <param name="applied">Last offset Redis recorded for the partition (null: no key).</param>
    /// <param name="committed">The group's committed offset, i.e. the next one to read (null: none).</param>
    /// <param name="restoredAt">A tool (a snapshot load, a replay into a new Redis) restored this partition up to this
    /// offset (<see cref="ContactCenter.Stores.Redis.StageEpoch.MarkRestoredAsync"/>): while Redis holds at least that much
    /// the partition resumes after what Redis recorded (the live consumer replays the tail), however far the group's
    /// commit is ahead. A partition no tool covered is judged by the rules below.</param>
    public static PartitionStart Decide(int partition, bool epochPresent, long? applied, long? committed, long? restoredAt = null)
    {
        if (restoredAt is { } mark && applied is { } fromRestore && fromRestore >= mark)
            return new(partition, fromRestore + 1, null, 0);
        if (committed is { } next && next > 0)
        {
            if (!epochPresent)
                return new(partition, next, "the stage's epoch key is missing while the group has committed offsets", next);
            if (applied is null)
                return new(partition, next, $"no offset recorded for partition {partition} while the group committed {next}", next);
            if (applied.Value + 1 < next)
                return new(partition, next, $"partition {partition}'s recorded offset went back to {applied.Value} below the committed {next}", next);
        }
        return new(partition, applied is { } done ? done + 1 : committed, null, 0);
    }

    /// <summary>While running: the partitions whose Redis state went behind what this stage saw acknowledged.</summary>
    public static IEnumerable<(int Partition, string Reason)> Check(bool epochPresent, IReadOnlyDictionary<int, long> applied,
        IReadOnlyDictionary<int, long> acknowledged)
    {
        foreach (var (partition, acked) in acknowledged)
        {
            if (!epochPresent)
                yield return (partition, "the stage's epoch key disappeared (Redis restarted empty or was flushed)");
            else if (!applied.TryGetValue(partition, out var recorded))
                yield return (partition, $"partition {partition}'s offset key disappeared after {acked} was acknowledged");
            else if (recorded < acked)
                yield return (partition, $"partition {partition}'s recorded offset went back from {acked} to {recorded}");
        }
    }
}
