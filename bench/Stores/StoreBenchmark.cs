using ContactCenter.Stores;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// The whole sequence for one store kind, always in the same order and with the same seeds, so every
/// store sees the same keys: load, aggregate (1 task), point gets, ranges, All, checkpoint + reopen,
/// then 2 tasks (2 stores, half the agents each) on 2 threads, then a changelog replay into a fresh store.
/// </summary>
internal static class StoreBenchmark
{
    private const string StoreName = "agent-aggregate";

    public static StoreReport Run(StoreKind kind, StoreBenchSettings s, Action<string> progress)
    {
        var dir = Path.Combine(s.Root, kind.ToString().ToLowerInvariant());
        var phases = new List<PhaseResult>();
        var options = FasterSizing.For(dir, s.Keys, s.ValueBytes);
        var baseline = MemorySnapshot.Take();

        var keys = new TaskKeys(0, 1, s.Keys);
        var store = BenchStore.Open(kind, Path.Combine(dir, "one-task"), StoreName, 0, options);
        var implementation = store.Implementation;
        MemorySnapshot afterLoad;
        try
        {
            progress($"load {s.Keys:N0} keys");
            phases.Add(Timed(StoreReport.Load, () =>
            {
                var latency = new Latency();
                var o = AggregateWorkload.Load(store.Store, keys, s.ValueBytes, latency);
                return (o, latency);
            }));
            afterLoad = MemorySnapshot.Take();

            progress("aggregate, 1 thread");
            phases.Add(Timed(StoreReport.Aggregate1, () =>
            {
                var latency = new Latency();
                var o = AggregateWorkload.GetThenPut(store.Store, keys, s.ValueBytes, s.AggregateOps, s.PhaseLimit, 42, latency);
                return (o, latency);
            }));

            progress("point gets, ranges, all");
            phases.Add(ReadWorkload.PointReads(store.Store, keys, s.PointReads, s.PhaseLimit, 7));
            phases.Add(ReadWorkload.Ranges(store.Store, s.Keys, s.RangeLength, s.Ranges, s.PhaseLimit, 11));
            phases.Add(ReadWorkload.All(store.Store, s.Keys, s.AllScans, s.PhaseLimit));

            progress("flush, close, reopen");
            var (checkpoint, reopen) = RecoveryWorkload.CheckpointAndReopen(store, options, keys);
            phases.Add(checkpoint);
            phases.Add(reopen);
        }
        finally
        {
            store.Dispose();
        }

        progress("2 tasks on 2 threads");
        phases.AddRange(TwoTasks(kind, Path.Combine(dir, "two-tasks"), s));

        progress($"changelog replay of {s.Keys:N0} records");
        phases.Add(RecoveryWorkload.Replay(kind, Path.Combine(dir, "replay"), StoreName, options, s.Keys, s.ValueBytes));

        TryDelete(dir);
        return new StoreReport(kind, implementation, FasterSizing.Describe(options), phases, afterLoad.Minus(baseline));
    }

    /// <summary>Two independent stores (two stream tasks), each owning half the agents, each driven by its own thread.</summary>
    private static IEnumerable<PhaseResult> TwoTasks(StoreKind kind, string dir, StoreBenchSettings s)
    {
        const int tasks = 2;
        var keys = Enumerable.Range(0, tasks).Select(t => new TaskKeys(t, tasks, s.Keys)).ToArray();
        var options = FasterSizing.For(dir, keys[0].Count, s.ValueBytes);
        var stores = new List<BenchStore>();
        try
        {
            for (var t = 0; t < tasks; t++) stores.Add(BenchStore.Open(kind, dir, StoreName, t, options));
            var load = RunParallel("load 2 threads", tasks, t =>
            {
                var latency = new Latency();
                return (AggregateWorkload.Load(stores[t].Store, keys[t], s.ValueBytes, latency), latency);
            });
            var aggregate = RunParallel(StoreReport.Aggregate2, tasks, t =>
            {
                var latency = new Latency();
                return (AggregateWorkload.GetThenPut(stores[t].Store, keys[t], s.ValueBytes, s.AggregateOps / tasks, s.PhaseLimit, 42 + (ulong)t, latency), latency);
            });
            return [load, aggregate];
        }
        finally
        {
            foreach (var store in stores) store.Dispose();
        }
    }

    private static PhaseResult Timed(string phase, Func<(AggregateWorkload.Outcome, Latency)> body)
    {
        var gc = GcActivity.Now();
        var (outcome, latency) = body();
        return Result(phase, outcome, latency, gc);
    }

    private static PhaseResult RunParallel(string phase, int tasks, Func<int, (AggregateWorkload.Outcome, Latency)> body)
    {
        var gc = GcActivity.Now();
        var (results, wall) = ParallelTasks.Run(tasks, body);
        var latency = new Latency();
        foreach (var (_, l) in results) latency.Add(l);
        return Result(phase, AggregateWorkload.Outcome.Combine(results.Select(r => r.Item1), wall), latency, gc);
    }

    private static PhaseResult Result(string phase, AggregateWorkload.Outcome o, Latency latency, GcActivity gcBefore)
    {
        var gc = GcActivity.Now().Since(gcBefore).ToString();
        return new PhaseResult(phase, o.Ops, o.Seconds, latency, o.Problems is { } p ? $"{p}; {gc}" : gc, o.Problems is null);
    }

    internal static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"note: could not delete {dir}: {e.Message}");
        }
    }
}
