using ContactCenter.Stores.Faster;
using ContactCenter.Stores;
using Xunit;
using static ContactCenter.Tests.Stores.Faster.StoreTestSupport;

namespace ContactCenter.Tests.Stores.Faster;

/// <summary>
/// FASTER with a null device silently loses records that fall off the in-memory log. This store spills
/// them to a local file instead: far more data than memory holds must all read back, exactly.
/// </summary>
[Trait("Kind", "Unit")]
public class FasterStoreMemoryBoundTests
{
    [Fact]
    public void Records_beyond_memory_spill_to_disk_and_all_read_back()
    {
        var dir = NewDirectory("spill");
        var store = new FasterKeyValueStore("spill", Tiny()); // 16 KiB of log in memory
        try
        {
            store.Open(dir);
            const int n = 3000; // ~3000 x 120 bytes = 360 KiB, over 20x the memory
            for (var i = 0; i < n; i++) store.Put(B(Key(i)), Value(i, 100));

            var (begin, head, tail) = store.LogAddresses;
            Assert.True(head - begin > 20 * (1 << 14) / 2, $"expected most of the log on disk only: begin {begin} head {head} tail {tail}");
            for (var i = 0; i < n; i++) Assert.Equal(Value(i, 100), store.Get(B(Key(i))));
            Assert.Equal(n, store.ApproximateNumEntries());
            var all = store.All().ToList();
            Assert.Equal(n, all.Count);
            Assert.Equal(Enumerable.Range(0, n).Select(Key), all.Select(p => p.Key.Get), ByteKeyComparer.Instance);

            // Overwrite and delete records that now live only on disk; then survive a checkpoint + reopen.
            for (var i = 0; i < n; i += 3) store.Put(B(Key(i)), Value(i + 1, 50));
            for (var i = 1; i < n; i += 3) Assert.Equal(Value(i, 100), store.Delete(B(Key(i))));
            store.Close();
            store = new FasterKeyValueStore("spill", Tiny());
            store.Open(dir);
            for (var i = 0; i < n; i++)
            {
                var expected = (i % 3) switch { 0 => Value(i + 1, 50), 1 => null, _ => Value(i, 100) };
                Assert.Equal(expected, store.Get(B(Key(i))));
            }
            Assert.Equal(n - (n + 1) / 3, store.ApproximateNumEntries());
        }
        finally
        {
            store.CloseWithoutCheckpoint();
            Delete(dir);
        }
    }

    [Fact]
    public void A_record_larger_than_a_page_is_refused_with_a_clear_error()
    {
        var dir = NewDirectory("big");
        var store = new FasterKeyValueStore("big", Tiny());
        try
        {
            store.Open(dir);
            var e = Assert.Throws<ArgumentException>(() => store.Put(B(1), new byte[8192]));
            Assert.Contains("PageSizeBytes", e.Message);
            Assert.Null(store.Get(B(1)));
            Assert.Equal(0, store.ApproximateNumEntries());
        }
        finally
        {
            store.CloseWithoutCheckpoint();
            Delete(dir);
        }
    }

    private static byte[] Key(int i) => [(byte)(i >> 24), (byte)(i >> 16), (byte)(i >> 8), (byte)i];

    private static byte[] Value(int i, int length)
    {
        var v = new byte[length];
        new Random(i).NextBytes(v);
        return v;
    }
}
