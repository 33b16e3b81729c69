using ContactCenter.Stores.Faster;
using ContactCenter.Stores;
using Streamiz.Kafka.Net.Crosscutting;
using Xunit;
using static ContactCenter.Tests.Stores.Faster.StoreTestSupport;

namespace ContactCenter.Tests.Stores.Faster;

[Trait("Kind", "Unit")]
public class FasterStoreBasicsTests
{
    [Fact]
    public void Point_operations_survive_a_clean_close_and_reopen()
    {
        var dir = NewDirectory("basics");
        try
        {
            var store = new FasterKeyValueStore("s", Tiny());
            store.Open(dir);
            store.Put(B(1), [10]);
            store.Put(B(2), [20, 21]);
            Assert.Equal(new byte[] { 10 }, store.Get(B(1)));
            Assert.Null(store.Get(B(3)));
            Assert.Equal(new byte[] { 10 }, store.PutIfAbsent(B(1), [99]));
            Assert.Null(store.PutIfAbsent(B(3), [30]));
            Assert.Equal(new byte[] { 20, 21 }, store.Delete(B(2)));
            Assert.Null(store.Delete(B(2)));
            Assert.Equal(2, store.ApproximateNumEntries());
            store.Close();

            store = new FasterKeyValueStore("s", Tiny());
            store.Open(dir);
            Assert.Equal(RecoveryOutcome.Recovered, store.LastRecovery.Outcome);
            Assert.Equal(2, store.ApproximateNumEntries());
            Assert.Equal(new byte[] { 30 }, store.Get(B(3)));
            Assert.Equal([B(1), B(3)], store.All().Select(p => p.Key));
            store.Close();
        }
        finally
        {
            Delete(dir);
        }
    }
}
