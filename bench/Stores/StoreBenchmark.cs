using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ContactCenter.Stores;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// <c>stores [--quick]</c>: FASTER vs Streamiz RocksDB vs Streamiz in-memory through the same
/// IKeyValueStore&lt;Bytes, byte[]&gt;, each initialised like a Streamiz task. Prints a table, then a
/// last line of JSON with the ratios the targets are stated in.
/// </summary>
internal static class StoreBenchmark
{
    public static int Run(string[] args)
    {
        // Streamiz logs to the console asynchronously; keep stdout for the table and the final JSON line.
        StandaloneStreamizTask.UseLoggerFactory(NullLoggerFactory.Instance);
        var quick = args.Contains("--quick");
        var size = quick ? WorkloadSize.Quick : WorkloadSize.Full;
        var root = Path.Combine(Path.GetTempPath(), $"cc-bench-stores-{Guid.NewGuid():N}");
        Console.WriteLine($"store benchmark ({(quick ? "quick" : "full")}): {size.Keys:N0} keys, {size.ValueSize}-byte values, " +
                          $"{size.AggregateOpsPerThread:N0} aggregate ops per thread, {size.PointReads:N0} point reads, " +
                          $"{size.RangeScans} range scans of {size.RangeWidth} keys; {Environment.ProcessorCount} cores; state in {root}");
        var results = new List<PhaseResult>();
        var memory = new List<string>();
        try
        {
            foreach (var kind in new[] { StoreKind.Faster, StoreKind.RocksDb, StoreKind.Memory })
                RunKind(kind, size, quick, Path.Combine(root, kind.ToString()), results, memory);
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }

        PrintTable(results);
        foreach (var line in memory) Console.WriteLine(line);
        Console.WriteLine(JsonSerializer.Serialize(Ratios(results, quick, size)));
        return 0;
    }

    private static FasterStoreOptions FasterOptions(WorkloadSize size, int preload) => new()
    {
        RecoveryPreloadPages = preload,
        // Sized so the working set stays in memory (as the aggregate's 10k-agent state does); records
        // beyond it would spill to the log file, not vanish. ~16 bytes of index per key.
        MemorySizeBytes = size.Keys > 500_000 ? 1L << 30 : 1L << 28,
        IndexSizeBytes = size.Keys > 500_000 ? 1L << 25 : 1L << 23,
        PageSizeBytes = 1L << 20,
        SegmentSizeBytes = 1L << 30,
        // The "checkpoint (flush)" row times a whole checkpoint until durable; the pipeline's default starts
        // it in the background instead (docs/stores.md), which this row would otherwise not measure.
        BackgroundCheckpoints = false,
        Logger = NullLogger.Instance,
    };

    private static void RunKind(StoreKind kind, WorkloadSize size, bool quick, string stateDir, List<PhaseResult> results, List<string> memory)
    {
        var name = kind switch { StoreKind.Faster => "FASTER", StoreKind.RocksDb => "RocksDB", _ => "in-memory" };
        var options = FasterOptions(size, preload: 0);
        var keys = Workload.Keys(size.Keys);
        Collect();
        var managedBefore = GC.GetTotalMemory(true);
        var wsBefore = Environment.WorkingSet;

        // One task, one thread: load, aggregate, reads, scans.
        var a = new BenchStore(kind, stateDir, 0, options);
        results.Add(Timed(name, "load (put)", keys.Length, () => Workload.Load(a.Store, keys, size.ValueSize)));
        results.Add(Timed(name, "aggregate x1 thread", size.AggregateOpsPerThread, () => Workload.Aggregate(a.Store, keys, size.AggregateOpsPerThread, size.ValueSize, 1)));
        results.Add(Timed(name, "point read", size.PointReads, () => Workload.PointReads(a.Store, keys, size.PointReads, 2)));
        results.Add(Timed(name, $"range ({size.RangeWidth} keys)", size.RangeScans, () => Workload.Ranges(a.Store, keys, size.RangeScans, size.RangeWidth, 3)));
        results.Add(Timed(name, "All", 1, () => Workload.All(a.Store, keys.Length)));
        // FASTER's log pages are pinned managed arrays, so they show up as managed memory; RocksDB's
        // memtables and block cache are native and only show in the process working set.
        memory.Add(string.Format(CultureInfo.InvariantCulture,
            "memory {0,-9} with {1:N0} keys loaded: managed +{2:N0} MiB; process working set {3:N0} MiB (was {4:N0} MiB before the store opened)",
            name, keys.Length, (GC.GetTotalMemory(true) - managedBefore) / (1 << 20), Environment.WorkingSet / (1 << 20), wsBefore / (1 << 20)));

        // Restart paths for the same data.
        if (kind == StoreKind.Faster)
        {
            results.Add(Timed(name, "checkpoint (flush)", 1, () => Once(a.Store.Flush)));
            a.Dispose();
            var recovered = new BenchStore(kind, stateDir, 0, options, init: false);
            results.Add(Timed(name, "restore: checkpoint recovery", keys.Length, () => Once(recovered.Init)));
            if (recovered.Store.ApproximateNumEntries() != keys.Length)
                throw new InvalidOperationException("recovered FASTER store is incomplete");
            // Lazy recovery moved the cost to first reads: measure them (records come from the log file / page cache).
            results.Add(Timed(name, "point read, cold after recovery", size.PointReads / 4, () => Workload.PointReads(recovered.Store, keys, size.PointReads / 4, 4)));
            recovered.Dispose();
            var preloaded = new BenchStore(kind, stateDir, 0, FasterOptions(size, preload: -1), init: false);
            results.Add(Timed(name, "restore: recovery, preload all", keys.Length, () => Once(preloaded.Init)));
            if (preloaded.Store.Get(keys[^1]) is null) throw new InvalidOperationException("preloaded FASTER store is incomplete");
            preloaded.Dispose();
        }
        else
        {
            a.Dispose();
        }
        var fresh = new BenchStore(kind, stateDir, 1, options);
        results.Add(Timed(name, "restore: changelog replay", keys.Length, () => Once(() => fresh.Restore(Workload.Changelog(fresh.Changelog, keys, size.ValueSize)))));
        if (fresh.Store.ApproximateNumEntries() != keys.Length && kind != StoreKind.RocksDb)
            throw new InvalidOperationException("replayed store is incomplete");
        fresh.Dispose();
        Collect();

        // Two tasks on two threads (two stream threads), each with half of the agents.
        var halves = new[] { Workload.Keys(size.Keys, 2, 0), Workload.Keys(size.Keys, 2, 1) };
        var pair = new[] { new BenchStore(kind, stateDir, 2, options), new BenchStore(kind, stateDir, 3, options) };
        Parallel(2, i => Workload.Load(pair[i].Store, halves[i], size.ValueSize));
        var sw = Stopwatch.StartNew();
        var latencies = Parallel(2, i => Workload.Aggregate(pair[i].Store, halves[i], size.AggregateOpsPerThread, size.ValueSize, 10 + i));
        sw.Stop();
        latencies[0].Add(latencies[1]);
        results.Add(new PhaseResult(name, "aggregate x2 threads", 2L * size.AggregateOpsPerThread, sw.Elapsed, latencies[0]));
        foreach (var s in pair) s.Dispose();
        Collect();
    }

    private static Latency[] Parallel(int n, Func<int, Latency> work)
    {
        var results = new Latency[n];
        var threads = Enumerable.Range(0, n).Select(i => new Thread(() => results[i] = work(i))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    private static Latency Once(Action action)
    {
        var latency = new Latency();
        var t0 = Stopwatch.GetTimestamp();
        action();
        latency.Record(t0, Stopwatch.GetTimestamp());
        return latency;
    }

    private static PhaseResult Timed(string store, string phase, long ops, Func<Latency> run)
    {
        var sw = Stopwatch.StartNew();
        var latency = run();
        sw.Stop();
        var result = new PhaseResult(store, phase, ops, sw.Elapsed, latency);
        Console.Error.WriteLine($"  {store} {phase}: {sw.Elapsed.TotalSeconds:F2} s");
        return result;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void PrintTable(List<PhaseResult> results)
    {
        Console.WriteLine();
        Console.WriteLine($"{"store",-10} {"phase",-30} {"ops",12} {"wall s",8} {"ops/s",12} {"p50 us",9} {"p99 us",9} {"p99.9 us",10} {"max us",11}");
        foreach (var r in results)
        {
            var l = r.Latency!;
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture,
                "{0,-10} {1,-30} {2,12:N0} {3,8:F2} {4,12:N0} {5,9:F1} {6,9:F1} {7,10:F1} {8,11:F1}",
                r.Store, r.Phase, r.Ops, r.Wall.TotalSeconds, r.OpsPerSecond, l.Micros(50), l.Micros(99), l.Micros(99.9), l.MaxMicros));
        }
        Console.WriteLine();
    }

    private static Dictionary<string, object> Ratios(List<PhaseResult> results, bool quick, WorkloadSize size)
    {
        PhaseResult Get(string store, string phase) => results.Single(r => r.Store == store && r.Phase == phase);
        var f1 = Get("FASTER", "aggregate x1 thread");
        var r1 = Get("RocksDB", "aggregate x1 thread");
        var f2 = Get("FASTER", "aggregate x2 threads");
        var r2 = Get("RocksDB", "aggregate x2 threads");
        var recovery = Get("FASTER", "restore: checkpoint recovery").Wall.TotalSeconds;
        return new Dictionary<string, object>
        {
            // Aggregate workload, 1 thread: FASTER ops/s over RocksDB ops/s (bigger is better).
            ["fasterVsRocksThroughput"] = Round(f1.OpsPerSecond / r1.OpsPerSecond),
            // RocksDB p99.9 / FASTER p99.9 on the same workload (bigger is better).
            ["fasterVsRocksP999"] = Round(r1.Latency!.Micros(99.9) / f1.Latency!.Micros(99.9)),
            // Changelog replay into a fresh RocksDB store (Streamiz's path) / FASTER checkpoint recovery (bigger is better).
            ["recoveryVsReplay"] = Round(Get("RocksDB", "restore: changelog replay").Wall.TotalSeconds / recovery),
            ["fasterVsRocksThroughput2Threads"] = Round(f2.OpsPerSecond / r2.OpsPerSecond),
            ["fasterVsRocksP999TwoThreads"] = Round(r2.Latency!.Micros(99.9) / f2.Latency!.Micros(99.9)),
            ["recoveryVsFasterReplay"] = Round(Get("FASTER", "restore: changelog replay").Wall.TotalSeconds / recovery),
            ["mode"] = quick ? "quick" : "full",
            ["keys"] = size.Keys,
        };
    }

    private static double Round(double v) => Math.Round(v, 2);
}
