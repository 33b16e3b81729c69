using ContactCenter.Stores.Faster;
using System.Numerics;
using ContactCenter.Stores;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// FASTER sizes for a store of <c>keys</c> records, chosen so the whole data set stays in the mutable
/// in-memory log (no spill, no read-only copies): the benchmark measures the in-memory engine a
/// correctly sized pod runs, not disk reads.
/// </summary>
internal static class FasterSizing
{
    // RecordInfo (8) + key and value length headers (4 + 4), rounded to 8-byte alignment.
    private const int RecordOverhead = 24;

    /// <summary>
    /// In-memory log size as a multiple of the data size (rounded up to a power of two). 1.5 keeps a freshly
    /// loaded data set in the mutable region; fold-over checkpoints append a copy of each record updated after
    /// them, so sustained random updates with frequent commits need more (`stores --faster-headroom`).
    /// Set once per process, before any store opens.
    /// </summary>
    internal static double Headroom { get; set; } = 1.5;

    /// <summary>Least time between checkpoints (the pipeline's by default). Set once per process, before any store opens.</summary>
    internal static TimeSpan CheckpointInterval { get; set; } = ContactCenter.Processor.Pipeline.AggregateStoreOptions.CheckpointInterval;

    /// <param name="preloadAll">Recovery reads the whole log back into memory (-1) instead of only the index (0, the store's default: records are read on first access).</param>
    public static FasterStoreOptions For(string stateDirectory, long keys, int valueBytes, bool preloadAll = false)
    {
        var record = RecordOverhead + AlignTo8(AgentRecords.KeyBytes) + AlignTo8(valueBytes);
        var memory = Math.Max(1L << 26, (long)BitOperations.RoundUpToPowerOf2((ulong)(keys * record * Headroom)));
        // ~16 bytes per key (a 64-byte bucket holds 7 entries), doubled to keep overflow buckets rare.
        var index = Math.Max(1L << 23, (long)BitOperations.RoundUpToPowerOf2((ulong)(keys * 32)));
        return new FasterStoreOptions
        {
            StateDirectory = stateDirectory,
            MemorySizeBytes = memory,
            PageSizeBytes = 1L << 20,
            IndexSizeBytes = index,
            RecoveryPreloadPages = preloadAll ? -1 : 0,
            CheckpointInterval = CheckpointInterval,
            CheckpointAfterWrites = CheckpointInterval > TimeSpan.Zero ? ContactCenter.Processor.Pipeline.AggregateStoreOptions.CheckpointAfterWrites : 0,
        };
    }

    public static string Describe(FasterStoreOptions o) =>
        $"memory {o.MemorySizeBytes >> 20} MiB, page {o.PageSizeBytes >> 20} MiB, index {o.IndexSizeBytes >> 20} MiB";

    private static int AlignTo8(int n) => (n + 7) & ~7;
}
