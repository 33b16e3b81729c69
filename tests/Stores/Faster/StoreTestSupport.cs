using ContactCenter.Stores.Faster;
using ContactCenter.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net.Crosscutting;

namespace ContactCenter.Tests.Stores.Faster;

/// <summary>Temporary directories and tiny store sizes that make FASTER spill after a few records.</summary>
internal static class StoreTestSupport
{
    public static string NewDirectory(string label)
    {
        var dir = Path.Combine(Path.GetTempPath(), "cc-store-tests", $"{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Delete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { /* best effort: temp files */ }
    }

    /// <summary>
    /// 4 pages of 1 KiB in memory, a 16-bucket index, compaction once the log passes 8 KiB. Flush waits for its
    /// checkpoint unless <paramref name="background"/>, so tests can name exact restore offsets.
    /// </summary>
    public static FasterStoreOptions Tiny(string? dir = null, bool background = false, FASTER.core.CheckpointType checkpoint = FASTER.core.CheckpointType.Snapshot) => new()
    {
        StateDirectory = dir,
        BackgroundCheckpoints = background,
        CheckpointType = checkpoint,
        PageSizeBytes = 1 << 12,
        MemorySizeBytes = 1 << 14,
        SegmentSizeBytes = 1 << 16,
        IndexSizeBytes = 1 << 10,
        CompactionThresholdBytes = 1 << 13,
        Logger = NullLogger.Instance,
    };

    /// <summary>
    /// 4 pages of 512 bytes: with values up to 400 bytes, most records of a sequence end up on disk only.
    /// Flush waits for its checkpoint unless <paramref name="background"/>.
    /// </summary>
    public static FasterStoreOptions Minimal(bool background = false) => new()
    {
        BackgroundCheckpoints = background,
        // Both checkpoint flavours stay covered: the waiting model runs fold-over, the background one snapshots.
        CheckpointType = background ? FASTER.core.CheckpointType.Snapshot : FASTER.core.CheckpointType.FoldOver,
        PageSizeBytes = 1 << 9,
        MemorySizeBytes = 1 << 11,
        SegmentSizeBytes = 1 << 14,
        IndexSizeBytes = 1 << 9,
        CompactionThresholdBytes = 1 << 12,
        Logger = NullLogger.Instance,
    };

    public static Bytes B(params byte[] key) => Bytes.Wrap(key);

    public static string Hex(byte[]? b) => b is null ? "null" : Convert.ToHexString(b);
}
