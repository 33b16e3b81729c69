namespace ContactCenter.Bench.Stores;

/// <summary>
/// The agents one task owns: with <c>tasks</c> tasks, task t owns every index i with i % tasks == t
/// (like hash partitioning spreads agents over partitions). Also tracks the version each owned key
/// must have, so lost or stale updates are counted, not silently measured as fast.
/// </summary>
internal sealed class TaskKeys
{
    private readonly int task;
    private readonly int tasks;

    public TaskKeys(int task, int tasks, int totalKeys)
    {
        this.task = task;
        this.tasks = tasks;
        Count = (totalKeys - task + tasks - 1) / tasks;
        Versions = new long[Count];
    }

    public int Count { get; }

    /// <summary>Expected version per owned key (local index), 0 until loaded. Written only by the task's own thread.</summary>
    public long[] Versions { get; }

    public long Index(int local) => (long)local * tasks + task;
}
