using Microsoft.Extensions.Logging;

namespace ContactCenter.Stores.Faster;

/// <summary>
/// Sizing and placement of a <see cref="FasterKeyValueStore"/>. Every memory figure is a hard bound:
/// the hash index and the in-memory part of the log are allocated once at open and never grow with
/// the number of keys; records that do not fit in memory are spilled to a local log file, never dropped.
/// </summary>
public sealed class FasterStoreOptions
{
    /// <summary>
    /// Root directory for store files. <c>null</c> (the default) uses the Streamiz task directory
    /// (<c>state.dir/application.id/task</c>, where Streamiz also keeps its <c>.checkpoint</c> file);
    /// without a Streamiz context it falls back to <see cref="DefaultStateDirectory"/>.
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>Bytes of log kept in memory (power of two, at least 4 pages). Default 64 MiB.</summary>
    public long MemorySizeBytes { get; init; } = 1L << 26;

    /// <summary>Log page size (power of two; a record must fit in a page). Default 1 MiB.</summary>
    public long PageSizeBytes { get; init; } = 1L << 20;

    /// <summary>Size of one log file segment on disk (power of two). Default 256 MiB.</summary>
    public long SegmentSizeBytes { get; init; } = 1L << 28;

    /// <summary>
    /// Hash index size in bytes (power of two, 64 bytes per bucket of 7 entries). Default 8 MiB,
    /// about 900k keys before overflow buckets are used; size it at roughly 16 bytes per expected key.
    /// </summary>
    public long IndexSizeBytes { get; init; } = 1L << 23;

    /// <summary>Fraction of the in-memory log that is updated in place (the rest is read-only). Default 0.9.</summary>
    public double MutableFraction { get; init; } = 0.9;

    /// <summary>
    /// When the on-disk log (begin..tail) grows past this many bytes, <c>Flush</c> compacts it first
    /// (live records are copied forward, dead versions dropped). Default 4 x <see cref="MemorySizeBytes"/>;
    /// 0 disables compaction.
    /// </summary>
    public long CompactionThresholdBytes { get; init; } = -1;

    /// <summary>
    /// True (default): <c>Flush</c> starts a checkpoint and returns at once; it completes in the background and the
    /// next flush (or close) finishes its bookkeeping. A crash before it completes recovers the previous one. The
    /// changelog restore then starts at the offsets a checkpoint recorded itself (a lower bound: up to one commit
    /// interval is replayed, idempotently), never at Streamiz's newer offset file. False: <c>Flush</c> waits until
    /// the checkpoint is durable (a stall of tens to hundreds of milliseconds on every commit).
    /// </summary>
    public bool BackgroundCheckpoints { get; init; } = true;

    /// <summary>
    /// With <see cref="BackgroundCheckpoints"/>: the least time between the starts of two checkpoints. A flush (every
    /// Streamiz commit) within it only records nothing new; the checkpoint follows at the first flush after it, or after
    /// <see cref="CheckpointAfterWrites"/> writes. Zero (default): every flush that follows a change checkpoints.
    /// Recovery restores the changelog from the offsets the last checkpoint recorded, so a longer interval only means a
    /// longer (idempotent) replay after a crash, never a loss. Ignored without background checkpoints, whose recovery
    /// trusts Streamiz's own newer offset file.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; }

    /// <summary>With <see cref="CheckpointInterval"/>: checkpoint anyway once this many writes happened since the last
    /// one, which bounds the replay after a crash under heavy load. 0 (default): no bound by writes.</summary>
    public long CheckpointAfterWrites { get; init; }

    /// <summary>
    /// Log pages read back into memory when a checkpoint is recovered. 0 (default) makes the store ready
    /// as soon as the index is loaded, in time independent of the data size; records are then read from
    /// the log file on first access (and served from the OS page cache). -1 preloads as much as memory holds.
    /// </summary>
    public int RecoveryPreloadPages { get; init; }

    /// <summary>
    /// FASTER checkpoint flavour. Snapshot (default) keeps the log mutable and copies its in-memory part to a
    /// snapshot file, in the background with <see cref="BackgroundCheckpoints"/>. Fold-over flushes the log in
    /// place, so recovery reads nothing but the index, but the first update of each record after a checkpoint
    /// then appends a copy: with Streamiz committing every second, 1M agents updated at random grew the log
    /// past memory and cut throughput 4x (bench/RESULTS.md), so it is no longer the default.
    /// </summary>
    internal FASTER.core.CheckpointType CheckpointType { get; init; } = FASTER.core.CheckpointType.Snapshot;

    /// <summary>
    /// True (default): with snapshot checkpoints, a checkpoint after the first one of a base writes only what changed
    /// since the previous one (FASTER's incremental snapshot: a delta log next to the base snapshot, no index copy), so
    /// its cost follows the writes of the interval, not the size of the in-memory log and the index (which made the
    /// worst commit of a minute grow from 23 to 102 ms over ten minutes). A full checkpoint (index and log) starts a new
    /// base: the first after open, whenever FASTER cannot go incremental (the log spilled past the base), and once the
    /// base's delta log passes <see cref="FullCheckpointAfterDeltaBytes"/>, which bounds what a recovery replays.
    /// </summary>
    public bool IncrementalCheckpoints { get; init; } = true;

    /// <summary>Delta log bytes after which the next checkpoint is a full one. Default (-1): 4 x <see cref="MemorySizeBytes"/>
    /// (256 MiB): at the pipeline's 30 s interval and 1,000 events/s (about 8 MiB of delta per checkpoint) a new base every
    /// quarter of an hour or so, and a recovery that reads at most the base (memory + index) and 256 MiB of delta.</summary>
    public long FullCheckpointAfterDeltaBytes { get; init; } = -1;

    /// <summary>
    /// How long an open waits for another store still holding the directory (<see cref="StoreDirectoryLock"/>: a
    /// previous owner closing, when pods share a state directory) before it fails. Default 15 s.
    /// </summary>
    public TimeSpan DirectoryLockWait { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Logger for recovery decisions; <c>null</c> uses Streamiz's logger factory.</summary>
    public ILogger? Logger { get; init; }

    /// <summary><c>Path.GetTempPath()/contactcenter-state</c>: used when neither an explicit directory nor Streamiz's state.dir is known.</summary>
    public static string DefaultStateDirectory => Path.Combine(Path.GetTempPath(), "contactcenter-state");

    internal long EffectiveDeltaBound => FullCheckpointAfterDeltaBytes < 0 ? 4 * MemorySizeBytes : FullCheckpointAfterDeltaBytes;

    internal long EffectiveCompactionThreshold => CompactionThresholdBytes < 0 ? 4 * MemorySizeBytes : CompactionThresholdBytes;

    internal void Validate()
    {
        static bool Pow2(long v) => v > 0 && (v & (v - 1)) == 0;
        if (!Pow2(MemorySizeBytes) || !Pow2(PageSizeBytes) || !Pow2(SegmentSizeBytes) || !Pow2(IndexSizeBytes))
            throw new ArgumentException("FASTER sizes (memory, page, segment, index) must be powers of two.");
        if (MemorySizeBytes < 4 * PageSizeBytes)
            throw new ArgumentException($"MemorySizeBytes ({MemorySizeBytes}) must hold at least 4 pages of {PageSizeBytes} bytes.");
        if (IndexSizeBytes < 512)
            throw new ArgumentException("IndexSizeBytes must be at least 512 (8 buckets of 64 bytes).");
        if (MutableFraction is <= 0 or > 1)
            throw new ArgumentException("MutableFraction must be in (0, 1].");
    }
}
