// INTERIM until the FASTER store lands: memory and RocksDB only, FASTER maps to memory.
using Streamiz.Kafka.Net.State.Supplier;

namespace ContactCenter.Stores;

public enum StoreKind { Faster, RocksDb, Memory }

public sealed record FasterStoreOptions { public string? Directory { get; init; } }

public static class AggregateStores
{
    public static IKeyValueBytesStoreSupplier Create(StoreKind kind, string storeName, FasterStoreOptions? options = null) => kind switch
    {
        StoreKind.RocksDb => Streamiz.Kafka.Net.State.Stores.PersistentKeyValueStore(storeName),
        _ => Streamiz.Kafka.Net.State.Stores.InMemoryKeyValueStore(storeName),
    };
}
