using Microsoft.Extensions.Logging;

namespace ContactCenter.Stores.Faster;

// Exactly-once: which local checkpoints may be trusted.
//
// Under EXACTLY_ONCE a commit is: flush the stores, then commit the Kafka transaction that holds the changelog
// records, the outputs and the input offsets. A FASTER checkpoint taken at that flush (or in the background while the
// next transaction's records are being written) can hold writes whose transaction is later aborted by a crash. The
// changelog a restart restores from is read read_committed, so it lacks those writes, but a recovered checkpoint
// would still have them, and replayed input would then be judged against state that never happened (a version the
// aborted transaction applied looks stale and emits nothing: the aggregate is lost for every reader).
//
// So under exactly-once the store checkpoints only when it closes cleanly, i.e. when nothing was written since the
// last flush (Streamiz commits after that flush before it closes a task), and marks that checkpoint with a file. An
// open trusts a checkpoint only with the mark, which it removes at once: after a crash there is no mark, the local
// state is discarded and the whole (compacted, read_committed) changelog is restored, as Kafka Streams wipes a
// task's state after an unclean shutdown under EOS.
public sealed partial class FasterKeyValueStore
{
    /// <summary>Name of the file that marks a checkpoint written by a clean close under exactly-once.</summary>
    internal const string CleanCloseMarkFile = "clean-close";

    private bool exactlyOnce;
    private bool writtenSinceFlush;

    /// <summary>Under exactly-once: whether the checkpoint found at open carries the clean-close mark. Always true
    /// otherwise. The mark is consumed either way, so a later crash (or an at-least-once run's checkpoint, should the
    /// guarantee change back) never finds one left over.</summary>
    private bool TakeCleanCloseMark(string directory)
    {
        var mark = Path.Combine(directory, CleanCloseMarkFile);
        var marked = File.Exists(mark);
        if (marked) File.Delete(mark);
        return !exactlyOnce || marked;
    }

    /// <summary>Under exactly-once, at close: a checkpoint is taken (and marked) only when every write was flushed,
    /// i.e. belongs to a transaction Streamiz committed before closing the task.</summary>
    private bool MayCheckpointAtClose()
    {
        if (!exactlyOnce || !writtenSinceFlush) return true;
        log.LogInformation("Store {Store}: closing with writes since the last commit under exactly-once; no checkpoint (the next open restores the committed changelog)", Name);
        return false;
    }

    private void MarkCleanClose()
    {
        if (exactlyOnce && Directory is { } directory && LastCheckpointToken != Guid.Empty)
            File.WriteAllText(Path.Combine(directory, CleanCloseMarkFile), LastCheckpointToken.ToString());
    }
}
