using ContactCenter.Stores.Faster;
using ContactCenter.Stores;

namespace ContactCenter.Processor.Pipeline;

/// <summary>FASTER sizing for the aggregate store of one stream task (one partition's agents).</summary>
internal static class AggregateStoreOptions
{
    /// <summary>
    /// A 1 MiB hash index (16k buckets of 7 slots: ~100k agents per task before overflow buckets) instead of the
    /// library's 8 MiB: every checkpoint writes the whole index, and a 10k-agent contact center spread over 6
    /// partitions has under 2k agents per task. 64 MiB of log in memory holds ~100k aggregates before spilling.
    /// </summary>
    /// <remarks>
    /// Checkpoints are decoupled from Streamiz's one-second commits: one every <see cref="CheckpointInterval"/>, or after
    /// <see cref="CheckpointAfterWrites"/> writes, whichever comes first. A crash then replays at most that much of the
    /// changelog (idempotently); the store's latency tail no longer carries a checkpoint every second.
    /// </remarks>
    public static FasterStoreOptions For(string stateDir) => new()
    {
        StateDirectory = Path.Combine(stateDir, "faster"),
        IndexSizeBytes = 1L << 20,
        CheckpointInterval = CheckpointInterval,
        CheckpointAfterWrites = CheckpointAfterWrites,
    };

    /// <summary>Least time between two checkpoints of a task's store.</summary>
    public static readonly TimeSpan CheckpointInterval = TimeSpan.FromSeconds(30);

    /// <summary>Writes after which a checkpoint is taken even within <see cref="CheckpointInterval"/>.</summary>
    public const long CheckpointAfterWrites = 200_000;
}
