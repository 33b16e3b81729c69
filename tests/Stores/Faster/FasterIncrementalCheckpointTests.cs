using ContactCenter.Stores.Faster;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using static ContactCenter.Tests.Stores.Faster.StoreTestSupport;

namespace ContactCenter.Tests.Stores.Faster;

/// <summary>
/// Incremental snapshot checkpoints: after a full checkpoint, the next ones write only a delta; a crash must recover
/// exactly the state at the last durable checkpoint, whether that was a full one or the newest delta on top of it.
/// Checked against a dictionary model of "what the store held at its last checkpoint".
/// </summary>
[Trait("Kind", "Unit")]
public class FasterIncrementalCheckpointTests
{
    /// <summary>Room for everything in memory (so FASTER can go incremental), tiny otherwise.</summary>
    private static FasterStoreOptions Roomy(long deltaBound = -1) => new()
    {
        BackgroundCheckpoints = false,
        PageSizeBytes = 1 << 14,
        MemorySizeBytes = 1 << 20,
        SegmentSizeBytes = 1 << 22,
        IndexSizeBytes = 1 << 12,
        FullCheckpointAfterDeltaBytes = deltaBound,
        Logger = NullLogger.Instance,
    };

    [Fact]
    public void Checkpoints_after_the_first_are_incremental_and_a_crash_recovers_the_newest_delta()
    {
        var dir = NewDirectory("incremental");
        var model = new Dictionary<byte, byte[]>();
        try
        {
            var store = new FasterKeyValueStore("agg", Roomy());
            store.Open(dir);
            for (byte k = 0; k < 200; k++) Put(store, model, k, [k, 0]);
            store.Checkpoint();
            for (var round = 1; round <= 5; round++)
            {
                for (byte k = 0; k < 200; k += (byte)(round + 2)) Put(store, model, k, [k, (byte)round, (byte)round]); // grows: not in place
                Put(store, model, (byte)(round * 7), null);
                store.Checkpoint();
            }
            Assert.Equal((1L, 5L), store.CheckpointCounts);
            var durable = new Dictionary<byte, byte[]>(model);
            Put(store, model, 3, [99]); // after the last checkpoint: lost by the crash (the changelog restores it)
            store.CloseWithoutCheckpoint();

            var reopened = new FasterKeyValueStore("agg", Roomy());
            reopened.Open(dir);
            Assert.Equal(RecoveryOutcome.Recovered, reopened.LastRecovery.Outcome);
            AssertHolds(reopened, durable);
            // After a recovery the first checkpoint starts a new base, and deltas follow it again.
            Put(reopened, durable, 250, [1]);
            reopened.Checkpoint();
            Put(reopened, durable, 251, [2]);
            reopened.Checkpoint();
            Assert.Equal((1L, 1L), reopened.CheckpointCounts);
            reopened.CloseWithoutCheckpoint();

            var again = new FasterKeyValueStore("agg", Roomy());
            again.Open(dir);
            AssertHolds(again, durable);
            again.Close();
        }
        finally
        {
            Delete(dir);
        }
    }

    [Fact]
    public void A_delta_log_past_its_bound_starts_a_new_full_base()
    {
        var dir = NewDirectory("delta-bound");
        var model = new Dictionary<byte, byte[]>();
        try
        {
            var store = new FasterKeyValueStore("agg", Roomy(deltaBound: 1));
            store.Open(dir);
            Put(store, model, 1, [1]);
            store.Checkpoint(); // full: the first
            Put(store, model, 2, [2]);
            store.Checkpoint(); // incremental: the base has no delta yet
            Put(store, model, 3, [3]);
            store.Checkpoint(); // full: the delta now exceeds 1 byte
            Assert.Equal((2L, 1L), store.CheckpointCounts);
            store.CloseWithoutCheckpoint();
            var reopened = new FasterKeyValueStore("agg", Roomy());
            reopened.Open(dir);
            AssertHolds(reopened, model);
            reopened.Close();
        }
        finally
        {
            Delete(dir);
        }
    }

    /// <summary>Any sequence of writes, deletes, checkpoints and crashes, in a store small enough that the log spills
    /// (FASTER then falls back to full snapshots) or roomy (deltas pile up): a crash recovers the last checkpoint.</summary>
    [FsCheck.Xunit.Property(MaxTest = 40)]
    public bool Crashes_after_any_mix_of_full_and_incremental_checkpoints_recover_the_last_one(int[] script, bool tiny)
    {
        var dir = NewDirectory("incremental-model");
        FasterStoreOptions Options() => tiny ? Tiny() : Roomy();
        var model = new Dictionary<byte, byte[]>();
        var durable = new Dictionary<byte, byte[]>();
        try
        {
            var store = new FasterKeyValueStore("agg", Options());
            store.Open(dir);
            foreach (var step in script.Take(80))
            {
                var key = (byte)((step >> 8) & 0x3f);
                switch ((step & 0x7fffffff) % 8)
                {
                    case 0 or 1:
                        store.Checkpoint();
                        durable = new Dictionary<byte, byte[]>(model);
                        break;
                    case 2:
                        store.CloseWithoutCheckpoint();
                        store = new FasterKeyValueStore("agg", Options());
                        store.Open(dir);
                        model = new Dictionary<byte, byte[]>(durable);
                        if (!Holds(store, durable)) return false;
                        break;
                    case 3:
                        Put(store, model, key, null);
                        break;
                    default:
                        Put(store, model, key, Enumerable.Repeat((byte)(step >> 16), 1 + ((step >> 20) & 0x1f)).ToArray());
                        break;
                }
            }
            var ok = Holds(store, model);
            store.Close();
            return ok;
        }
        finally
        {
            Delete(dir);
        }
    }

    private static void Put(FasterKeyValueStore store, Dictionary<byte, byte[]> model, byte key, byte[]? value)
    {
        store.Put(B(key), value);
        if (value is null) model.Remove(key);
        else model[key] = value;
    }

    private static bool Holds(FasterKeyValueStore store, Dictionary<byte, byte[]> model)
    {
        for (var k = 0; k < 256; k++)
        {
            var actual = store.Get(B((byte)k));
            var expected = model.GetValueOrDefault((byte)k);
            if (Hex(actual) != Hex(expected)) return false;
        }
        return true;
    }

    private static void AssertHolds(FasterKeyValueStore store, Dictionary<byte, byte[]> model)
    {
        for (var k = 0; k < 256; k++)
            Assert.Equal(Hex(model.GetValueOrDefault((byte)k)), Hex(store.Get(B((byte)k))));
    }
}
