using ContactCenter.Stores.Faster;
using ContactCenter.Stores;
using Streamiz.Kafka.Net.State.InMemory;
using Xunit;
using static ContactCenter.Tests.Stores.Faster.StoreTestSupport;

namespace ContactCenter.Tests.Stores.Faster;

[Trait("Kind", "Unit")]
public class FasterStoreConcurrencyTests
{
    /// <summary>
    /// Streamiz's pattern: one stream thread writes and flushes, interactive queries read from other
    /// threads. Readers must only ever see a complete value that was written for that key.
    /// </summary>
    [Fact]
    public void Readers_on_other_threads_see_only_whole_written_values_while_the_owner_writes_and_checkpoints()
    {
        var dir = NewDirectory("iq");
        var store = new FasterKeyValueStore("iq", Tiny());
        store.Open(dir);
        try
        {
            const int keys = 64, rounds = 40;
            var done = 0;
            long valuesRead = 0;
            var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var readers = Enumerable.Range(0, 2).Select(r => new Thread(() =>
            {
                var rnd = new Random(r);
                while (Volatile.Read(ref done) == 0)
                {
                    var k = rnd.Next(keys);
                    var v = store.Get(B((byte)k));
                    if (v is not null && !WellFormed(k, v)) failures.Enqueue($"key {k}: {Hex(v)}");
                    if (v is not null) Interlocked.Increment(ref valuesRead);
                    if (rnd.Next(50) == 0)
                        foreach (var (key, value) in store.All())
                            if (!WellFormed(key.Get[0], value)) failures.Enqueue($"scan {Hex(key.Get)}: {Hex(value)}");
                }
            })).ToList();
            readers.ForEach(t => t.Start());
            for (var round = 0; round < rounds; round++)
            {
                for (var k = 0; k < keys; k++) store.Put(B((byte)k), Value(k, round));
                if (round % 10 == 9) store.Flush();
                // The readers must really read between the writes, or an empty failure list proves nothing: wait
                // until they have read a few values written so far before the next round.
                var before = Interlocked.Read(ref valuesRead);
                Assert.True(SpinWait.SpinUntil(() => Interlocked.Read(ref valuesRead) >= before + 8, TimeSpan.FromSeconds(10)),
                    $"the readers read nothing during round {round}");
            }
            Volatile.Write(ref done, 1);
            readers.ForEach(t => t.Join());
            Assert.True(Interlocked.Read(ref valuesRead) >= 8 * rounds);
            Assert.Empty(failures);
            for (var k = 0; k < keys; k++) Assert.Equal(Value(k, rounds - 1), store.Get(B((byte)k)));
        }
        finally
        {
            store.CloseWithoutCheckpoint();
            Delete(dir);
        }
    }

    [Fact]
    public void Operations_after_close_fail_with_Streamiz_invalid_state_store()
    {
        var dir = NewDirectory("closed");
        var store = new FasterKeyValueStore("closed", Tiny());
        store.Open(dir);
        store.Close();
        Assert.Throws<Streamiz.Kafka.Net.Errors.InvalidStateStoreException>(() => store.Get(B(1)));
        Delete(dir);
    }

    [Fact]
    public void Factory_returns_the_requested_engine()
    {
        Assert.IsType<FasterKeyValueBytesStoreSupplier>(AggregateStores.Create(StoreKind.Faster, "a"));
        Assert.IsType<FasterKeyValueStore>(AggregateStores.Create(StoreKind.Faster, "a").Get());
        Assert.IsType<InMemoryKeyValueStore>(AggregateStores.Create(StoreKind.Memory, "a").Get());
        Assert.Equal("rocksdb", AggregateStores.Create(StoreKind.RocksDb, "a").MetricsScope);
    }

    // Value: [key, round, round+1, ..., round+length-1] with a length that varies per round, so a torn
    // read (prefix of one version, suffix of another, or a wrong length) is detectable.
    private static byte[] Value(int key, int round)
    {
        var v = new byte[2 + (round * 7 % 90)];
        v[0] = (byte)key;
        v[1] = (byte)round;
        for (var i = 2; i < v.Length; i++) v[i] = (byte)(round + i);
        return v;
    }

    private static bool WellFormed(int key, byte[] v)
    {
        if (v.Length < 2 || v[0] != key) return false;
        int round = v[1];
        if (v.Length != 2 + (round * 7 % 90)) return false;
        for (var i = 2; i < v.Length; i++) if (v[i] != (byte)(round + i)) return false;
        return true;
    }
}
