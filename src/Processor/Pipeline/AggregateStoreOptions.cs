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
    public static FasterStoreOptions For(string stateDir) => new()
    {
        StateDirectory = Path.Combine(stateDir, "faster"),
        IndexSizeBytes = 1L << 20,
    };
}
