using Confluent.Kafka;
using ContactCenter.Stores;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// One store of a given kind, initialised the way a Streamiz task does it (real ProcessorContext,
/// state manager and .checkpoint file, no broker), used only through IKeyValueStore&lt;Bytes, byte[]&gt;.
/// </summary>
internal sealed class BenchStore : IDisposable
{
    private const string App = "bench";

    public BenchStore(StoreKind kind, string stateDir, int partition, FasterStoreOptions fasterOptions, bool init = true)
    {
        Kind = kind;
        var name = "agg";
        Changelog = new TopicPartition($"{App}-{name}-changelog", partition);
        Task = new StandaloneStreamizTask(stateDir, App, partition, new Dictionary<string, string> { [name] = Changelog.Topic });
        Store = AggregateStores.Create(kind, name, fasterOptions).Get();
        if (init) Init();
    }

    /// <summary>What a task does when it starts: open (for FASTER: recover) the store, then load Streamiz's changelog offsets.</summary>
    public void Init()
    {
        Store.Init(Task.Context, Store);
        Task.InitializeOffsetsFromCheckpoint();
    }

    public StoreKind Kind { get; }

    public StandaloneStreamizTask Task { get; }

    public TopicPartition Changelog { get; }

    public IKeyValueStore<Bytes, byte[]> Store { get; }

    /// <summary>Streamiz's restore path: batches of changelog records through the state manager into the store's restore callback.</summary>
    public void Restore(IEnumerable<List<ConsumeResult<byte[], byte[]>>> batches)
    {
        foreach (var batch in batches) Task.Restore(Changelog, batch);
    }

    /// <summary>Closes the store through Streamiz's state manager (FASTER checkpoints on close if dirty).</summary>
    public void Dispose() => Task.Dispose();
}
