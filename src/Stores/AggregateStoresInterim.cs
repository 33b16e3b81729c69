// INTERIM until the FASTER store lands: memory and RocksDB only, FASTER maps to memory.
using Streamiz.Kafka.Net.State.Supplier;

namespace ContactCenter.Stores;

public enum StoreKind { Faster, RocksDb, Memory }

public sealed class FasterStoreOptions
{
    public string? StateDirectory { get; init; }

    // Same names and defaults as the real options (faster branch); ignored by the interim in-memory store.
    public long MemorySizeBytes { get; init; } = 1L << 26;

    public long PageSizeBytes { get; init; } = 1L << 20;

    public long IndexSizeBytes { get; init; } = 1L << 23;
}

public static class AggregateStores
{
    public static IKeyValueBytesStoreSupplier Create(StoreKind kind, string storeName, FasterStoreOptions? options = null) => kind switch
    {
        StoreKind.RocksDb => Streamiz.Kafka.Net.State.Stores.PersistentKeyValueStore(storeName),
        _ => Streamiz.Kafka.Net.State.Stores.InMemoryKeyValueStore(storeName),
    };
}
