using ContactCenter.Testing;
using ContactCenter.Stores.Faster;
using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Xunit;
using static ContactCenter.Tests.Stores.Faster.StoreTestSupport;

namespace ContactCenter.Tests.Stores.Faster;

/// <summary>
/// Under exactly-once a checkpoint must never hold writes of a transaction that was aborted. The changelog below is
/// what a read_committed restore reads: only the records of committed transactions. A crash is
/// <see cref="FasterKeyValueStore.CloseWithoutCheckpoint"/> after the flush that precedes a transaction commit.
/// </summary>
[Trait("Kind", "Unit")]
public class FasterExactlyOnceCheckpointTests
{
    private const string App = "cc-eos";
    private const string StoreName = "agg";
    private static readonly TopicPartition Changelog = new($"{App}-{StoreName}-changelog", 0);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_crash_after_the_flush_of_an_aborted_transaction_restores_only_committed_state(bool background)
    {
        var stateDir = NewDirectory("eos-abort");
        var committed = new List<(byte[] Key, byte[]? Value)>();
        try
        {
            var (task, store) = Start(stateDir, background);
            for (var i = 0; i < 20; i++) Write(store, committed, [(byte)i], [(byte)i, 1]);
            task.Commit(new Dictionary<TopicPartition, long> { [Changelog] = committed.Count - 1 }); // transaction 1 commits
            for (var i = 0; i < 20; i++) store.Put(B((byte)i), [(byte)i, 2]); // transaction 2 ...
            store.Put(B(99), [99]);
            store.Flush(); // ... is flushed for its commit, and the process dies before the commit: aborted
            store.CloseWithoutCheckpoint();
            task.Dispose();

            (task, store) = Start(stateDir, background);
            Assert.NotEqual(RecoveryOutcome.Recovered, store.LastRecovery.Outcome); // no checkpoint holds transaction 2
            var from = (int)(task.RestoreStartOffset(Changelog) ?? 0);
            task.Restore(Changelog, Records(committed, from));
            AssertState(store, committed); // none of transaction 2's values, no key 99
            store.Close();
            task.Dispose();
        }
        finally
        {
            Delete(stateDir);
        }
    }

    [Fact]
    public void A_clean_close_keeps_its_checkpoint_and_a_crash_after_reopening_does_not()
    {
        var stateDir = NewDirectory("eos-clean");
        var committed = new List<(byte[] Key, byte[]? Value)>();
        try
        {
            var (task, store) = Start(stateDir, background: true);
            for (var i = 0; i < 30; i++) Write(store, committed, [(byte)i], [(byte)i, 1]);
            task.Commit(new Dictionary<TopicPartition, long> { [Changelog] = committed.Count - 1 });
            store.Close(); // a clean close: everything written was flushed and committed
            task.Dispose();

            (task, store) = Start(stateDir, background: true);
            Assert.Equal(RecoveryOutcome.Recovered, store.LastRecovery.Outcome);
            Assert.Equal(30, store.ApproximateNumEntries()); // no full restore needed
            task.Restore(Changelog, Records(committed, (int)(task.RestoreStartOffset(Changelog) ?? 0)));
            AssertState(store, committed);
            store.Put(B(1), [1, 7]); // an open transaction, then a crash
            store.CloseWithoutCheckpoint();
            task.Dispose();

            // The clean-close mark was used up by the open: the old checkpoint is not trusted after this crash.
            (task, store) = Start(stateDir, background: true);
            Assert.Contains("not written by a clean close", store.LastRecovery.Message);
            Assert.Equal(0, store.ApproximateNumEntries());
            task.Restore(Changelog, Records(committed, (int)(task.RestoreStartOffset(Changelog) ?? 0)));
            AssertState(store, committed);

            // Closing with writes not yet flushed (a task closed mid-transaction) leaves no trusted checkpoint either.
            store.Put(B(2), [2, 7]);
            store.Close();
            task.Dispose();
            (task, store) = Start(stateDir, background: true);
            Assert.NotEqual(RecoveryOutcome.Recovered, store.LastRecovery.Outcome);
            Assert.Equal(0, store.ApproximateNumEntries());
            store.Close();
            task.Dispose();
        }
        finally
        {
            Delete(stateDir);
        }
    }

    private static (StandaloneStreamizTask Task, FasterKeyValueStore Store) Start(string stateDir, bool background)
    {
        var task = new StandaloneStreamizTask(stateDir, App, 0, new Dictionary<string, string> { [StoreName] = Changelog.Topic },
            ProcessingGuarantee.EXACTLY_ONCE);
        var store = new FasterKeyValueStore(StoreName, Tiny(background: background));
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
    }
}
