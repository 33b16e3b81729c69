using ContactCenter.Stores.Faster;
using ContactCenter.Stores;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// The whole sequence for one store kind, always in the same order and with the same seeds, so every
/// store sees the same keys: load, aggregate (1 task), point gets, ranges, All, checkpoint + reopen,
/// then 2 tasks (2 stores, half the agents each) on 2 threads, then a changelog replay into a fresh store.
/// Every step runs under <see cref="Guard"/>: a store that hangs ends this store's run with what was measured so far.
/// </summary>
internal static class StoreBenchmark
{
    private const string StoreName = "agent-aggregate";

    public static StoreReport Run(StoreKind kind, StoreBenchSettings s, Action<string> progress)
    {
        var dir = Path.Combine(s.Root, kind.ToString().ToLowerInvariant());
        var phases = new List<PhaseResult>();
        var options = FasterSizing.Describe(FasterSizing.For(dir, s.Keys, s.ValueBytes));
        var implementation = "?";
        var growth = default(MemorySnapshot);
        T Step<T>(string what, Func<T> body) => Guard.Run($"{kind} {what}", s.HangLimit, body);
        try
        {
            var baseline = MemorySnapshot.Take();
            var keys = new TaskKeys(0, 1, s.Keys);
            var store = Step("open", () => BenchStore.Open(kind, Path.Combine(dir, "one-task"), StoreName, 0, s.Keys, s.ValueBytes));
            implementation = store.Implementation;
            try
            {
                progress($"load {s.Keys:N0} keys");
                phases.Add(Step("load", () => Timed(StoreReport.Load, () =>
                {
                    var latency = new Latency();
                    return (AggregateWorkload.Load(store.Store, keys, s.ValueBytes, latency), latency);
                })));
                growth = MemorySnapshot.Take().Minus(baseline);
                // The snapshot's aggressive GC hands memory back to the OS; settle (untimed) so the measured phase
                // does not pay the page faults of re-growing the heap, which no steady-state pod pays.
                Step("settle", () => AggregateWorkload.GetThenPut(store.Store, keys, s.ValueBytes, Math.Min(s.AggregateOps / 10, 100_000), s.PhaseLimit, 41, new Latency()));

                progress("aggregate, 1 thread");
                var commits = new Latency();
                phases.Add(Step("aggregate", () => Timed(StoreReport.Aggregate1, () =>
                {
                    var latency = new Latency();
                    return (AggregateWorkload.GetThenPut(store.Store, keys, s.ValueBytes, s.AggregateOps, s.PhaseLimit, 42, latency, s.CommitInterval, commits), latency);
                })));
                phases.Add(CommitPhase(commits, s, 1));

                progress("point gets, ranges, all");
                phases.Add(Step("point gets", () => ReadWorkload.PointReads(store.Store, keys, s.PointReads, s.PhaseLimit, 7)));
                phases.Add(Step("ranges", () => ReadWorkload.Ranges(store.Store, s.Keys, s.RangeLength, s.Ranges, s.ScanLimit, 11)));
                phases.Add(Step("all", () => ReadWorkload.All(store.Store, s.Keys, s.AllScans, s.ScanLimit)));

                progress("flush, close, reopen");
                phases.Add(Step("flush", () => RecoveryWorkload.Flush(store)));
                Step("close", () => { store.Dispose(); return 0; });
                phases.Add(Step("reopen", () => RecoveryWorkload.Reopen(store, keys)));
                phases.Add(Step("cold gets", () => RecoveryWorkload.ColdReads(store, keys, s.PointReads, s.PhaseLimit)));
                // FASTER recovers lazily by default; preloading the log is the like-for-like comparison with a replay (all state in memory).
                if (kind == StoreKind.Faster) phases.Add(Step("reopen, preload", () => RecoveryWorkload.Reopen(store, keys, preloadAll: true)));
            }
            catch (Exception e) when (e is not StoreHungException)
            {
                // After a hang the store is left alone: a thread is stuck inside it.
                TryDispose(store, s);
                throw;
            }

            progress("2 tasks on 2 threads");
            phases.AddRange(TwoTasks(kind, Path.Combine(dir, "two-tasks"), s));

            progress($"changelog replay of {s.Keys:N0} records");
            phases.Add(Step("replay", () => RecoveryWorkload.Replay(kind, Path.Combine(dir, "replay"), StoreName, s.Keys, s.ValueBytes)));
            progress($"changelog replay of {s.Keys:N0} records fetched from the broker");
            phases.Add(Step("replay from broker", () => BrokerReplayWorkload.Replay(kind, Path.Combine(dir, "replay-broker"), StoreName, s.Keys, s.ValueBytes)));
        }
        catch (StoreHungException e)
        {
            return new StoreReport(kind, implementation, options, phases, growth, e.Message, Hung: true);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{kind} failed: {e}");
            return new StoreReport(kind, implementation, options, phases, growth, $"{e.GetType().Name}: {e.Message}");
        }
        TryDelete(dir);
        return new StoreReport(kind, implementation, options, phases, growth);
    }

    /// <summary>Two independent stores (two stream tasks), each owning half the agents, each driven by its own thread.</summary>
    private static IEnumerable<PhaseResult> TwoTasks(StoreKind kind, string dir, StoreBenchSettings s)
    {
        const int tasks = 2;
        var keys = Enumerable.Range(0, tasks).Select(t => new TaskKeys(t, tasks, s.Keys)).ToArray();
        T Step<T>(string what, Func<T> body) => Guard.Run($"{kind} 2 tasks {what}", s.HangLimit, body);
        var stores = new List<BenchStore>();
        for (var t = 0; t < tasks; t++)
        {
            var task = t;
            stores.Add(Step("open", () => BenchStore.Open(kind, Path.Combine(dir, $"task-{task}"), StoreName, task, keys[task].Count, s.ValueBytes)));
        }
        try
        {
            var load = Step("load", () => RunParallel("load 2 threads", tasks, t =>
        {
                var latency = new Latency();
                return (AggregateWorkload.Load(stores[t].Store, keys[t], s.ValueBytes, latency), latency);
            }));
            var commits = Enumerable.Range(0, tasks).Select(_ => new Latency()).ToArray();
            var aggregate = Step("aggregate", () => RunParallel(StoreReport.Aggregate2, tasks, t =>
            {
                var latency = new Latency();
                return (AggregateWorkload.GetThenPut(stores[t].Store, keys[t], s.ValueBytes, s.AggregateOps / tasks, s.PhaseLimit, 42 + (ulong)t, latency, s.CommitInterval, commits[t]), latency);
            }));
            var allCommits = new Latency();
            foreach (var c in commits) allCommits.Add(c);
            Step("close", () => { foreach (var store in stores) store.Dispose(); return 0; });
            return [load, aggregate, CommitPhase(allCommits, s, tasks)];
        }
        catch (Exception e) when (e is not StoreHungException)
        {
            foreach (var store in stores) TryDispose(store, s);
            throw;
        }
    }

    /// <summary>The commits (store flushes) taken during an aggregate phase: their stalls, which per-op latencies do not include.</summary>
    private static PhaseResult CommitPhase(Latency commits, StoreBenchSettings s, int threads)
    {
        var note = s.CommitInterval > TimeSpan.Zero
            ? $"flush every {s.CommitInterval.TotalMilliseconds:F0} ms on each of {threads} thread(s); stalls the stream thread"
            : "commits off (--commit-ms 0)";
        return new PhaseResult(threads == 1 ? StoreReport.Commit1 : StoreReport.Commit2, commits.Count, 0, commits.Count > 0 ? commits : null, note);
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

    private static void TryDispose(BenchStore store, StoreBenchSettings s)
    {
        try { Guard.Run($"{store.Kind} close", s.HangLimit, store.Dispose); }
        catch (StoreHungException) { throw; }
        catch (Exception e) { Console.Error.WriteLine($"note: closing {store.Kind} failed: {e.Message}"); }
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
