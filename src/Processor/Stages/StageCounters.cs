namespace ContactCenter.Processor.Stages;

/// <summary>
/// What a stage did with the records it consumed; shared by all its tasks and threads. Every consumed record ends in
/// exactly one of <see cref="Applied"/>, <see cref="Stale"/>, <see cref="Dropped"/> or <see cref="DeadLettered"/>
/// (for the state stage once Redis acknowledged it), which is what the conservation tests check.
/// </summary>
internal sealed class StageCounters
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> _assigned = new();
    private long _consumed, _applied, _stale, _dropped, _deadLettered;
    private int _joined;

    /// <summary>Partitions of the stage's input this process owns now (ascending).</summary>
    public IReadOnlyList<int> AssignedPartitions => _assigned.Keys.Order().ToArray();

    /// <summary>True once the stage's consumer took part in a rebalance (its assignment may be empty: an idle pod).</summary>
    public bool Joined => Volatile.Read(ref _joined) == 1;

    public void OnJoined() => Volatile.Write(ref _joined, 1);

    public void OnAssigned(int partition)
    {
        _assigned[partition] = 0;
        OnJoined();
    }

    public void OnRevoked(int partition) => _assigned.TryRemove(partition, out _);

    public long Consumed => Interlocked.Read(ref _consumed);

    /// <summary>Changed the stage's state (store and derived topic, or Redis).</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Older than or equal to what the state already held: nothing changed.</summary>
    public long Stale => Interlocked.Read(ref _stale);

    /// <summary>Left out on purpose by a processor (filter, dedup).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Handed to the dead-letter sink with a reason.</summary>
    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public void OnConsumed() => Interlocked.Increment(ref _consumed);

    public void OnApplied(long count = 1) => Interlocked.Add(ref _applied, count);

    public void OnStale(long count = 1) => Interlocked.Add(ref _stale, count);

    public void OnDropped() => Interlocked.Increment(ref _dropped);

    public void OnDeadLettered() => Interlocked.Increment(ref _deadLettered);

    public override string ToString() =>
        $"consumed {Consumed}, applied {Applied}, stale {Stale}, dropped {Dropped}, dead-lettered {DeadLettered}";
}
