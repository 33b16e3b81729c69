using BenchmarkDotNet.Attributes;
using ContactCenter.Stores;
using Streamiz.Kafka.Net.Crosscutting;

namespace ContactCenter.Bench.Stores;

/// <summary>Point Get and Put of a 300-byte value on a store holding 100k agents, per store kind, through IKeyValueStore.</summary>
public class StorePointOps
{
    private const int Keys = 100_000;
    private const int Hot = 4096;

    private BenchStore? store;
    private Bytes[] keys = [];
    private byte[] value = [];
    private string directory = "";
    private int next;

    [Params(StoreKind.Faster, StoreKind.RocksDb, StoreKind.Memory)]
    public StoreKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        directory = Path.Combine(Path.GetTempPath(), $"cc-bench-micro-{Environment.ProcessId}-{Kind}");
        store = BenchStore.Open(Kind, directory, "micro", 0, Keys, 300);
        var all = new TaskKeys(0, 1, Keys);
        AggregateWorkload.Load(store.Store, all, 300, new Latency());
        // Keys spread over the whole store, created once: the benchmark measures the store, not key allocation.
        keys = Enumerable.Range(0, Hot).Select(i => Bytes.Wrap(AgentRecords.Key((long)i * (Keys / Hot)))).ToArray();
        value = AgentRecords.InitialValue(0, 300);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        store?.Dispose();
        StoreBenchmark.TryDelete(directory);
    }

    [Benchmark]
    public byte[] Get() => store!.Store.Get(keys[next++ & (Hot - 1)]);

    [Benchmark]
    public void Put() => store!.Store.Put(keys[next++ & (Hot - 1)], value);
}
