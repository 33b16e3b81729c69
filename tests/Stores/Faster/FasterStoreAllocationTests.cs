using ContactCenter.Stores.Faster;
using ContactCenter.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net.Crosscutting;
using Xunit;
using static ContactCenter.Tests.Stores.Faster.StoreTestSupport;

namespace ContactCenter.Tests.Stores.Faster;

[Trait("Kind", "Unit")]
public class FasterStoreAllocationTests
{
    /// <summary>The hot path allocates nothing but the value a Get returns.</summary>
    [Fact]
    public void Put_allocates_nothing_and_Get_only_the_returned_value()
    {
        var dir = NewDirectory("alloc");
        var store = new FasterKeyValueStore("alloc", new FasterStoreOptions { MemorySizeBytes = 1 << 24, IndexSizeBytes = 1 << 16, Logger = NullLogger.Instance });
        try
        {
            store.Open(dir);
            const int n = 2000;
            var keys = Enumerable.Range(0, n).Select(i => Bytes.Wrap(BitConverter.GetBytes(i))).ToArray();
            var value = new byte[300];
            for (var round = 0; round < 2; round++) // second round: steady state (in-place updates, sessions warm)
                foreach (var k in keys) store.Put(k, value);
            _ = store.Get(keys[0]);

            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var k in keys) store.Put(k, value);
            var putBytes = GC.GetAllocatedBytesForCurrentThread() - before;

            before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var k in keys) _ = store.Get(k);
            var getBytes = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, putBytes);
            var arrayBytes = 24 + (300 + 7) / 8 * 8; // array header + payload rounded to 8 bytes (64-bit)
            Assert.InRange(getBytes, n * arrayBytes, n * arrayBytes + 1024);
        }
        finally
        {
            store.CloseWithoutCheckpoint();
            Delete(dir);
        }
    }
}
