using ContactCenter.Testing;
using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Stores;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Bench.Stores;

/// <summary>The two ways a task gets its state back on start: reopen the local copy (FASTER: recover the checkpoint) or replay the changelog.</summary>
internal static class RecoveryWorkload
{
    private const int Sample = 2000;

    /// <summary>Flush: FASTER takes its checkpoint here (Streamiz calls it on commit, before writing its offsets).</summary>
    public static PhaseResult Flush(BenchStore store)
    {
        var t0 = Stopwatch.GetTimestamp();
        store.Store.Flush();
        return new PhaseResult("flush (checkpoint)", 1, Stopwatch.GetElapsedTime(t0).TotalSeconds, null);
    }

    /// <summary>
    /// A new store in the closed store's directory, Init'ed by a new task (FASTER: recovers its checkpoint),
    /// <paramref name="repeats"/> times (recovery time is I/O-bound and noisy on a shared box: the median counts).
    /// Each reopen is timed from construction to the end of Init; a sample of keys is then checked against the
    /// versions last written, and the store closed again (nothing changed, so no new checkpoint).
    /// </summary>
    public static PhaseResult Reopen(BenchStore closed, TaskKeys keys, bool preloadAll = false, int repeats = 3)
    {
        var latency = new Latency();
        var times = new List<double>();
        var (good, sampled) = (0, 0);
        var implementation = "";
        var persistent = false;
        for (var r = 0; r < repeats; r++)
        {
            var t0 = Stopwatch.GetTimestamp();
            using var reopened = BenchStore.Open(closed.Kind, closed.Directory, closed.Name, closed.Partition, closed.ExpectedKeys, closed.ValueBytes, preloadAll: preloadAll);
            var ticks = Stopwatch.GetTimestamp() - t0;
            latency.Record(ticks);
            times.Add((double)ticks / Stopwatch.Frequency);
            (good, sampled) = Verify(reopened.Store, keys.Count, i => keys.Index(i), i => keys.Versions[i]);
            implementation = reopened.Implementation;
            persistent = reopened.Store.Persistent;
            if (good != sampled) break;
        }
        times.Sort();
        var median = times[times.Count / 2];
        var complete = good == sampled;
        var all = string.Join(" / ", times.Select(t => $"{t * 1000:F0}"));
        var note = complete
            ? $"median of {times.Count} reopens ({all} ms); {keys.Count:N0} keys back, {sampled} sampled OK"
            : $"NOT RECOVERED: {good}/{sampled} sampled keys ({(persistent ? "persistent" : "not persistent")} {implementation})";
        return new PhaseResult(preloadAll ? StoreReport.ReopenPreload : StoreReport.Reopen, keys.Count, median, latency, note, complete);
    }

    /// <summary>
    /// Point gets right after a reopen (untimed), before anything warmed the store: what a lazily recovered
    /// store (FASTER reads records from its log file on first access) costs until its working set is back.
    /// </summary>
    public static PhaseResult ColdReads(BenchStore closed, TaskKeys keys, long ops, TimeSpan limit)
    {
        using var reopened = BenchStore.Open(closed.Kind, closed.Directory, closed.Name, closed.Partition, closed.ExpectedKeys, closed.ValueBytes);
        var reads = ReadWorkload.PointReads(reopened.Store, keys, ops, limit, 13);
        return reads with { Phase = StoreReport.ColdGets };
    }

    /// <summary>
    /// A fresh store with a registered changelog; every record (one per key, as in a compacted changelog) goes
    /// through Streamiz's restore path (StandaloneStreamizTask.Restore: record converter + the store's restore
    /// callback), falling back to PutAll batches if that path is unavailable. Batches are built untimed (the
    /// consumer's fetch and deserialization are not part of the store's cost); Init + restore calls are timed.
    /// </summary>
    public static PhaseResult Replay(StoreKind kind, string directory, string name, int totalKeys, int valueBytes, int batchSize = 5000)
    {
        var latency = new Latency();
        long timed = 0;
        var t0 = Stopwatch.GetTimestamp();
        using var store = BenchStore.Open(kind, directory, name, 0, totalKeys, valueBytes, logged: true);
        var init = Stopwatch.GetTimestamp() - t0;
        timed += init;
        var changelog = store.Changelog!;
        string? fallback = null;
        var batch = new List<ConsumeResult<byte[], byte[]>>(batchSize);
        for (var first = 0; first < totalKeys; first += batchSize)
        {
            batch.Clear();
            for (var i = first; i < Math.Min(totalKeys, first + batchSize); i++)
                batch.Add(StandaloneStreamizTask.ChangelogRecord(changelog, i, AgentRecords.Key(i), AgentRecords.InitialValue(i, valueBytes)));
            var t = Stopwatch.GetTimestamp();
            fallback = Apply(store, changelog, batch, fallback);
            var dt = Stopwatch.GetTimestamp() - t;
            latency.Record(dt);
            timed += dt;
        }
        var (good, sampled) = Verify(store.Store, totalKeys, i => i, _ => 1);
        var path = fallback is null ? "Streamiz restore path" : $"PutAll batches ({fallback})";
        var complete = good == sampled;
        var note = $"{path}; Init of the empty store {init * 1000.0 / Stopwatch.Frequency:F0} ms; latency per {batchSize}-record batch" + (complete ? "" : $"; ONLY {good}/{sampled} sampled keys present");
        return new PhaseResult(StoreReport.Replay, totalKeys, (double)timed / Stopwatch.Frequency, latency, note, complete);
    }

    internal static string? Apply(BenchStore store, TopicPartition changelog, List<ConsumeResult<byte[], byte[]>> batch, string? fallback)
    {
        if (fallback is null)
        {
            try
            {
                store.Task.Restore(changelog, batch);
                return null;
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or MissingMethodException or NullReferenceException)
            {
                fallback = $"StandaloneStreamizTask.Restore failed: {e.GetType().Name}: {e.Message}";
            }
        }
        store.Store.PutAll(batch.Select(r => new KeyValuePair<Bytes, byte[]>(Bytes.Wrap(r.Message.Key), r.Message.Value)));
        return fallback;
    }

    /// <summary>Reads a spread-out sample of keys and counts those holding the expected version.</summary>
    internal static (int Good, int Sampled) Verify(IKeyValueStore<Bytes, byte[]> store, int count, Func<int, long> index, Func<int, long> version)
    {
        var sampled = Math.Min(Sample, count);
        var good = 0;
        for (var s = 0; s < sampled; s++)
        {
            var local = (int)((long)s * count / sampled);
            var value = store.Get(Bytes.Wrap(AgentRecords.Key(index(local))));
            if (value is not null && AgentRecords.Version(value) == version(local)) good++;
        }
        return (good, sampled);
    }
}
