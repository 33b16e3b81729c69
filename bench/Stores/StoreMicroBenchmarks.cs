using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using ContactCenter.Stores;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net.Crosscutting;

namespace ContactCenter.Bench.Stores;

/// <summary><c>micro</c>: BenchmarkDotNet single-operation costs (Get, Put) per store kind, on 100k loaded keys.</summary>
internal static class StoreMicroBenchmarks
{
    public static int Run(string[] args)
    {
        BenchmarkRunner.Run<PointOperations>(args: args);
        return 0;
    }
}

[MemoryDiagnoser]
public class PointOperations
{
    private const int Keys = 100_000;
    private BenchStore? store;
    private Bytes[] keys = [];
    private byte[] value = [];
    private int next;
    private string dir = "";

    [Params(StoreKind.Faster, StoreKind.RocksDb, StoreKind.Memory)]
    public StoreKind Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        dir = Path.Combine(Path.GetTempPath(), $"cc-micro-{Guid.NewGuid():N}");
        store = new BenchStore(Kind, dir, 0, new FasterStoreOptions { MemorySizeBytes = 1L << 27, Logger = NullLogger.Instance });
        keys = Workload.Keys(Keys);
        value = Workload.Value(300, 1);
        foreach (var k in keys) store.Store.Put(k, value);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        store?.Dispose();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Benchmark]
    public byte[] Get() => store!.Store.Get(keys[next++ % Keys]);

    [Benchmark]
    public void Put() => store!.Store.Put(keys[next++ % Keys], value);
}
