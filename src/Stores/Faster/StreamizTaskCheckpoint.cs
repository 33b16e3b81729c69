using Confluent.Kafka;
using Streamiz.Kafka.Net.Processors.Internal;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Stores.Faster;

/// <summary>
/// The one entry of Streamiz's per-task <c>.checkpoint</c> file that belongs to this store's changelog
/// partition. Streamiz reads that file after the stores are initialised and starts restoring each
/// changelog at the offset it holds, so the store can steer the restore: drop the entry when its own
/// checkpoint is missing or corrupt (full restore), or raise it to what its checkpoint provably covers.
/// Uses Streamiz's own <see cref="OffsetCheckpointFile"/> so the format stays Streamiz's.
/// </summary>
internal sealed class StreamizTaskCheckpoint(string taskDirectory, TaskId taskId, TopicPartition changelog)
{
    private const string RecoverySuffix = ".rec";

    public TopicPartition Changelog { get; } = changelog;

    private string FilePath => Path.Combine(taskDirectory, OffsetCheckpointFile.CHECKPOINT_FILE_NAME);

    /// <summary>Next changelog offset Streamiz would restore from, or null when it would restore everything.</summary>
    public long? Read()
    {
        if (!File.Exists(FilePath) && !File.Exists(FilePath + RecoverySuffix)) return null;
        var offsets = new OffsetCheckpointFile(taskDirectory).Read(taskId);
        return offsets.TryGetValue(Changelog, out var o) && o >= 0 ? o : null;
    }

    /// <summary>Removes this changelog's entry (other stores' entries are kept): Streamiz then restores it from the beginning.</summary>
    public bool Remove()
    {
        var file = new OffsetCheckpointFile(taskDirectory);
        var offsets = File.Exists(FilePath) || File.Exists(FilePath + RecoverySuffix) ? file.Read(taskId) : new Dictionary<TopicPartition, long>();
        var had = offsets.Remove(Changelog);
        // The recovery copy is read when the main file is absent; it may still name our old offset.
        File.Delete(FilePath + RecoverySuffix);
        if (offsets.Count == 0) File.Delete(FilePath);
        else if (had) file.Write(taskId, offsets);
        return had;
    }

    /// <summary>Sets this changelog's entry, keeping the others.</summary>
    public void Set(long nextOffset)
    {
        Directory.CreateDirectory(taskDirectory);
        var file = new OffsetCheckpointFile(taskDirectory);
        var offsets = File.Exists(FilePath) || File.Exists(FilePath + RecoverySuffix) ? file.Read(taskId) : new Dictionary<TopicPartition, long>();
        offsets[Changelog] = nextOffset;
        file.Write(taskId, offsets);
    }
}
