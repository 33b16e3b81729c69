using ContactCenter.Stores.Faster;
using Streamiz.Kafka.Net.State.Supplier;
using StreamizStores = Streamiz.Kafka.Net.State.Stores;

namespace ContactCenter.Stores;

/// <summary>Which engine backs the aggregate store.</summary>
public enum StoreKind
{
    /// <summary><see cref="FasterKeyValueStore"/>: hash index, bounded memory, checkpoints with offsets.</summary>
    Faster,

    /// <summary>Streamiz's RocksDB store (<c>Stores.PersistentKeyValueStore</c>).</summary>
    RocksDb,

    /// <summary>Streamiz's in-memory store (<c>Stores.InMemoryKeyValueStore</c>): no local persistence, full restore on start.</summary>
    Memory,
}

/// <summary>Creates the store supplier the aggregate stage materialises its state with.</summary>
public static class AggregateStores
{
    /// <summary>A Streamiz key/value bytes store supplier of the given kind.</summary>
    /// <param name="kind">Engine.</param>
    /// <param name="storeName">Store name (its changelog is <c>{application.id}-{storeName}-changelog</c>).</param>
    /// <param name="options">FASTER sizing/placement; ignored by the other kinds.</param>
    public static IKeyValueBytesStoreSupplier Create(StoreKind kind, string storeName, FasterStoreOptions? options = null) => kind switch
    {
        StoreKind.Faster => new FasterKeyValueBytesStoreSupplier(storeName, options),
        StoreKind.RocksDb => StreamizStores.PersistentKeyValueStore(storeName),
        StoreKind.Memory => StreamizStores.InMemoryKeyValueStore(storeName),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown store kind"),
    };
}
