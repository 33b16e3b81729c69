using ContactCenter.Testing;
using ContactCenter.Stores.Faster;
using Confluent.Kafka;
using ContactCenter.Stores;
using Xunit;
using static ContactCenter.Tests.Stores.Faster.StoreTestSupport;

namespace ContactCenter.Tests.Stores.Faster;

/// <summary>
/// Checkpoints through Streamiz's real state manager and .checkpoint file: commit (flush, then
/// .checkpoint), crash, reopen, and check where Streamiz's restore would start and what it yields.
/// </summary>
[Trait("Kind", "Unit")]
public class FasterStoreCheckpointTests
{
    private const string App = "cc-test";
    private const string StoreName = "agg";
    private static readonly TopicPartition Changelog = new($"{App}-{StoreName}-changelog", 0);

    [Fact]
    public void Restart_recovers_the_checkpoint_and_restores_only_the_changelog_tail()
    {
        var stateDir = NewDirectory("tail");
        var changelog = new List<(byte[] Key, byte[]? Value)>();
        try
        {
            // Session 1: 100 writes, a Streamiz commit, 30 more writes (overwrites, a delete), crash.
            var (task, store) = Start(stateDir);
            for (var i = 0; i < 100; i++) Write(store, changelog, [(byte)i], [(byte)i, 1]);
            task.Commit(new Dictionary<TopicPartition, long> { [Changelog] = changelog.Count - 1 });
            for (var i = 0; i < 30; i++) Write(store, changelog, [(byte)(i * 2)], [(byte)i, 2]);
            Write(store, changelog, [7], null);
            store.CloseWithoutCheckpoint();

            // Session 2: the store recovers its checkpoint; Streamiz would seek the changelog to offset 100.
            (task, store) = Start(stateDir);
            Assert.Equal(RecoveryOutcome.Recovered, store.LastRecovery.Outcome);
            Assert.Equal(100, store.ApproximateNumEntries());
            Assert.Equal(100L, task.RestoreStartOffset(Changelog));
            task.Restore(Changelog, Records(changelog, from: 100));
            AssertState(store, changelog);

            // Crash again right after the restore, before any commit: the checkpoint taken now records
            // the restored position itself, so even a lost .checkpoint would resume at the tail.
            store.Flush();
            File.Delete(Path.Combine(task.TaskDirectory, ".checkpoint"));
            File.Delete(Path.Combine(task.TaskDirectory, ".checkpoint.rec"));
            store.CloseWithoutCheckpoint();
            (task, store) = Start(stateDir);
            Assert.Equal((long)changelog.Count, task.RestoreStartOffset(Changelog));
            AssertState(store, changelog);
            task.Dispose();
        }
        finally
        {
            Delete(stateDir);
        }
    }

    [Fact]
    public void A_crash_between_checkpoint_and_commit_replays_records_the_checkpoint_already_has()
    {
        var stateDir = NewDirectory("between");
        var changelog = new List<(byte[] Key, byte[]? Value)>();
        try
        {
            var (task, store) = Start(stateDir);
            for (var i = 0; i < 20; i++) Write(store, changelog, [(byte)i], [(byte)i]);
            task.Commit(new Dictionary<TopicPartition, long> { [Changelog] = changelog.Count - 1 });
            for (var i = 0; i < 20; i++) Write(store, changelog, [(byte)i], [(byte)i, 9]);
            store.Flush(); // the store checkpoint is taken ...
            store.CloseWithoutCheckpoint(); // ... but the process dies before Streamiz writes .checkpoint

            (task, store) = Start(stateDir);
            Assert.Equal(20L, task.RestoreStartOffset(Changelog));
            task.Restore(Changelog, Records(changelog, from: 20)); // same full values again: idempotent
            AssertState(store, changelog);
            Assert.Equal(20, store.ApproximateNumEntries());
            task.Dispose();
        }
        finally
        {
            Delete(stateDir);
        }
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("missing")]
    [InlineData("log-missing")]
    public void An_unusable_checkpoint_falls_back_to_a_full_restore_and_says_so(string damage)
    {
        var stateDir = NewDirectory(damage);
        var changelog = new List<(byte[] Key, byte[]? Value)>();
        try
        {
            // A fold-over checkpoint keeps the records only in the log; a lost log must not recover as an empty store.
            var checkpoint = damage == "log-missing" ? FASTER.core.CheckpointType.FoldOver : FASTER.core.CheckpointType.Snapshot;
            var (task, store) = Start(stateDir, checkpoint: checkpoint);
            for (var i = 0; i < 50; i++) Write(store, changelog, [(byte)i], [(byte)i, 3]);
            task.Commit(new Dictionary<TopicPartition, long> { [Changelog] = changelog.Count - 1 });
            var storeDir = store.Directory!;
            task.Dispose();
            Assert.True(File.Exists(Path.Combine(task.TaskDirectory, ".checkpoint")));

            var checkpoints = Path.Combine(storeDir, "checkpoints");
            if (damage == "missing") Directory.Delete(storeDir, recursive: true);
            else if (damage == "log-missing") Directory.Delete(Path.Combine(storeDir, "log"), recursive: true);
            else
                foreach (var f in Directory.EnumerateFiles(checkpoints, "*", SearchOption.AllDirectories))
                    File.WriteAllBytes(f, new byte[new FileInfo(f).Length]);

            (task, store) = Start(stateDir, checkpoint: checkpoint);
            Assert.True((damage == "missing" ? RecoveryOutcome.NoCheckpoint : RecoveryOutcome.Corrupt) == store.LastRecovery.Outcome, store.LastRecovery.Message);
            Assert.Contains("FULL RESTORE", store.LastRecovery.Message);
            Assert.Contains("dropped Streamiz's .checkpoint offset 50", store.LastRecovery.Message);
            Assert.Equal(0, store.ApproximateNumEntries());
            Assert.Null(task.RestoreStartOffset(Changelog)); // Streamiz restores from the beginning
            task.Restore(Changelog, Records(changelog, from: 0));
            AssertState(store, changelog);
            task.Dispose();
        }
        finally
        {
            Delete(stateDir);
        }
    }

    /// <summary>
    /// Background checkpoints (the default): commits never wait for the checkpoint, and a crash can hit one that
    /// is still running. Whatever the crash points, restoring from the offset Streamiz reads after the restart
    /// must give exactly the state the changelog implies.
    /// </summary>
    [FsCheck.Xunit.Property(MaxTest = 60)]
    public bool Crashes_at_any_point_with_background_checkpoints_lose_nothing(int[] script)
    {
        var stateDir = NewDirectory("background");
        var changelog = new List<(byte[] Key, byte[]? Value)>();
        try
        {
            var (task, store) = Start(stateDir, background: true);
            foreach (var step in script.Take(60))
            {
                switch ((step & 0x7fffffff) % 10)
                {
                    case 0 or 1:
                        task.Commit(new Dictionary<TopicPartition, long> { [Changelog] = changelog.Count - 1 });
                        break;
                    case 2:
                        store.CloseWithoutCheckpoint();
                        task.Dispose();
                        (task, store) = Start(stateDir, background: true);
                        var from = (int)(task.RestoreStartOffset(Changelog) ?? 0);
                        if (from > changelog.Count) return false;
                        task.Restore(Changelog, Records(changelog, from));
                        AssertState(store, changelog);
                        break;
                    case 3:
                        Write(store, changelog, [(byte)((step >> 8) & 0x1f)], null);
                        break;
                    default:
                        Write(store, changelog, [(byte)((step >> 8) & 0x1f)], [(byte)(step >> 16), 7]);
                        break;
                }
            }
            AssertState(store, changelog);
            store.Close();
            task.Dispose();
            return true;
        }
        finally
        {
            Delete(stateDir);
        }
    }

    private static (StandaloneStreamizTask Task, FasterKeyValueStore Store) Start(string stateDir, bool background = false,
        FASTER.core.CheckpointType checkpoint = FASTER.core.CheckpointType.Snapshot)
    {
        var task = new StandaloneStreamizTask(stateDir, App, 0, new Dictionary<string, string> { [StoreName] = Changelog.Topic });
        var store = new FasterKeyValueStore(StoreName, Tiny(background: background, checkpoint: checkpoint));
        store.Init(task.Context, store);
        task.InitializeOffsetsFromCheckpoint();
        return (task, store);
    }

    private static void Write(FasterKeyValueStore store, List<(byte[], byte[]?)> changelog, byte[] key, byte[]? value)
    {
        store.Put(B(key), value);
        changelog.Add((key, value));
    }

    private static IEnumerable<ConsumeResult<byte[], byte[]>> Records(List<(byte[] Key, byte[]? Value)> changelog, int from) =>
        changelog.Skip(from).Select((r, i) => StandaloneStreamizTask.ChangelogRecord(Changelog, from + i, r.Key, r.Value)).ToList();

    private static void AssertState(FasterKeyValueStore store, List<(byte[] Key, byte[]? Value)> changelog)
    {
        var model = new SortedDictionary<byte[], byte[]>(ByteKeyComparer.Instance);
        foreach (var (k, v) in changelog)
            if (v is null) model.Remove(k);
            else model[k] = v;
        var expected = string.Join(",", model.Select(p => $"{Hex(p.Key)}={Hex(p.Value)}"));
        var actual = string.Join(",", store.All().Select(p => $"{Hex(p.Key.Get)}={Hex(p.Value)}"));
        Assert.Equal(expected, actual);
        Assert.Equal(model.Count, store.ApproximateNumEntries());
    }
}
