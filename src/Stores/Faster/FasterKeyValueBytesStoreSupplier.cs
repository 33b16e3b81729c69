using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.State.Supplier;

namespace ContactCenter.Stores.Faster;

/// <summary>Streamiz supplier of <see cref="FasterKeyValueStore"/>: one new store per task.</summary>
public sealed class FasterKeyValueBytesStoreSupplier : IKeyValueBytesStoreSupplier
{
    private readonly FasterStoreOptions options;

    /// <param name="name">Store name.</param>
    /// <param name="options">Sizing and placement shared by every task's store; defaults when null.</param>
    public FasterKeyValueBytesStoreSupplier(string name, FasterStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        this.options = options ?? new FasterStoreOptions();
        this.options.Validate();
    }

    /// <inheritdoc/>
    public string Name { get; set; }

    /// <inheritdoc/>
    public string MetricsScope => "faster";

    /// <inheritdoc/>
    public IKeyValueStore<Bytes, byte[]> Get() => new FasterKeyValueStore(Name, options);
}
