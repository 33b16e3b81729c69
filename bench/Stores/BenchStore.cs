using ContactCenter.Stores.Faster;
using ContactCenter.Testing;
using Confluent.Kafka;
using ContactCenter.Stores;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// One store as a stream task holds it: created by <see cref="AggregateStores.Create"/> (the factory the
/// aggregate stage uses) and initialised with a real Streamiz ProcessorContext/state manager
/// (<see cref="StandaloneStreamizTask"/>), so RocksDB opens its files and FASTER recovers exactly as in a pod.
/// </summary>
internal sealed class BenchStore : IDisposable
{
    public const string ApplicationId = "cc-bench";

    private bool disposed;

    private BenchStore(StoreKind kind, string directory, string name, int partition, StandaloneStreamizTask task, IKeyValueStore<Bytes, byte[]> store, TopicPartition? changelog)
    {
        Kind = kind;
        Directory = directory;
        Name = name;
        Partition = partition;
        Task = task;
        Store = store;
        Changelog = changelog;
    }

    public StoreKind Kind { get; }

    public long ExpectedKeys { get; private init; }

    public int ValueBytes { get; private init; }

    /// <summary>Streamiz state.dir of this store's task (also FASTER's StateDirectory).</summary>
    public string Directory { get; }

    public string Name { get; }

    public int Partition { get; }

    public StandaloneStreamizTask Task { get; }

    public IKeyValueStore<Bytes, byte[]> Store { get; }

    /// <summary>The changelog partition registered for the store (only for stores opened as logged).</summary>
    public TopicPartition? Changelog { get; }

    /// <summary>Concrete store class: shows whether FASTER is the real store or the interim stand-in.</summary>
    public string Implementation => Store.GetType().Name;

    /// <param name="expectedKeys">Keys the store will hold (sizes FASTER, see <see cref="FasterSizing"/>).</param>
    /// <param name="logged">Register a changelog for the store so records can be fed through Streamiz's restore path.</param>
    /// <param name="preloadAll">FASTER: recovery reads the whole log back into memory (otherwise only the index; records on first access).</param>
    public static BenchStore Open(StoreKind kind, string directory, string name, int partition, long expectedKeys, int valueBytes, bool logged = false, bool preloadAll = false)
    {
        // Each store gets its own FASTER directory (StateDirectory/application.id/task/faster/name): stores of
        // different phases must never find each other's checkpoints.
        var fasterOptions = FasterSizing.For(directory, expectedKeys, valueBytes, preloadAll);
        System.IO.Directory.CreateDirectory(directory);
        var changelogTopic = ChangelogOf(name).Topic;
        var task = new StandaloneStreamizTask(directory, ApplicationId, partition,
            logged ? new Dictionary<string, string> { [name] = changelogTopic } : null);
        try
        {
            var store = AggregateStores.Create(kind, name, fasterOptions).Get();
            store.Init(task.Context, store);
            return new BenchStore(kind, directory, name, partition, task, store, logged ? new TopicPartition(changelogTopic, partition) : null)
            {
                ExpectedKeys = expectedKeys,
                ValueBytes = valueBytes,
            };
        }
        catch
        {
            task.Dispose();
            throw;
        }
    }

    /// <summary>The changelog partition Streamiz names for store <paramref name="name"/> of task partition <paramref name="partition"/>.</summary>
    public static TopicPartition ChangelogOf(string name, int partition = 0) => new($"{ApplicationId}-{name}-changelog", partition);

    /// <summary>Closes the task's state manager (which closes the store: FASTER checkpoints if dirty). Idempotent.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        Task.Dispose();
        if (Store.IsOpen) Store.Close();
    }
}
