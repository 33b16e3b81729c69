using System.Diagnostics;
using ContactCenter.Bench.Common;
using ContactCenter.Stores.Faster;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net.Crosscutting;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// <c>checkpoints</c>: the cost of each FASTER checkpoint as the store ages, full snapshots against incremental ones,
/// in the pipeline's shape without the pipeline: 1,000 agents updated with aggregate-sized values of varying length
/// (so updates append), a checkpoint every <c>--every</c> writes (30,000: the pipeline's 30 s interval at 1,000
/// events/s), <c>--checkpoints</c> of them (20: ten minutes of that). For each checkpoint: how long it took to be
/// durable and how many bytes it added on disk. Bytes do not depend on how busy the machine is; durations do. The
/// ten-minute run compressed into as fast as the store takes it; the last line is JSON.
/// </summary>
internal static class CheckpointDriftCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        int Option(string name, int fallback) =>
            args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() is { } v ? int.Parse(v) : fallback;
        var keys = Option("--keys", 1_000);
        var every = Option("--every", 30_000);
        var count = Option("--checkpoints", 20);
        Console.Error.WriteLine($"checkpoints: {keys:N0} keys, a checkpoint every {every:N0} writes, {count} checkpoints per mode; load average {BenchRuns.LoadAverage().Text}");
        var full = Drive(incremental: false, keys, every, count);
        var incremental = Drive(incremental: true, keys, every, count);
        Console.WriteLine($"{"#",3} {"full ms",9} {"full KiB",10} {"incr ms",9} {"incr KiB",10}");
        for (var i = 0; i < count; i++)
            Console.WriteLine($"{i + 1,3} {full[i].Ms,9:F1} {full[i].Bytes / 1024.0,10:N0} {incremental[i].Ms,9:F1} {incremental[i].Bytes / 1024.0,10:N0}");
        // Second "minute" (checkpoints 3-4) against the last (the final two), as the issue compares minutes.
        double Worst(IEnumerable<(double Ms, long Bytes)> c) => c.Max(x => x.Ms);
        double Bytes(IEnumerable<(double Ms, long Bytes)> c) => c.Average(x => x.Bytes);
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["fullWorstMsSecondMinute"] = Math.Round(Worst(full.Skip(2).Take(2)), 1),
            ["fullWorstMsLastMinute"] = Math.Round(Worst(full.TakeLast(2)), 1),
            ["incrementalWorstMsSecondMinute"] = Math.Round(Worst(incremental.Skip(2).Take(2)), 1),
            ["incrementalWorstMsLastMinute"] = Math.Round(Worst(incremental.TakeLast(2)), 1),
            ["fullKiBSecondMinute"] = Math.Round(Bytes(full.Skip(2).Take(2)) / 1024),
            ["fullKiBLastMinute"] = Math.Round(Bytes(full.TakeLast(2)) / 1024),
            ["incrementalKiBSecondMinute"] = Math.Round(Bytes(incremental.Skip(2).Take(2)) / 1024),
            ["incrementalKiBLastMinute"] = Math.Round(Bytes(incremental.TakeLast(2)) / 1024),
        }));
        return 0;
    }

    private static List<(double Ms, long Bytes)> Drive(bool incremental, int keys, int every, int count)
    {
        var dir = Directory.CreateTempSubdirectory("cc-checkpoints-").FullName;
        var results = new List<(double, long)>();
        try
        {
            // The pipeline's store sizes (AggregateStoreOptions): default memory, index and pages.
            var store = new FasterKeyValueStore("agg", new FasterStoreOptions
            {
                BackgroundCheckpoints = false, // each checkpoint timed until durable
                IncrementalCheckpoints = incremental,
                Logger = NullLogger.Instance,
            });
            store.Open(dir);
            var random = new Random(7);
            var value = new byte[700];
            var keyBytes = Enumerable.Range(0, keys).Select(k => Bytes.Wrap(System.Text.Encoding.UTF8.GetBytes($"agent-{k:D6}"))).ToArray();
            for (var c = 0; c < count; c++)
            {
                for (var w = 0; w < every; w++)
                {
                    random.NextBytes(value.AsSpan(0, 16));
                    store.Put(keyBytes[random.Next(keys)], value[..(400 + random.Next(300))]);
                }
                var checkpoints = Path.Combine(dir, "checkpoints");
                var before = Sizes(checkpoints);
                var clock = Stopwatch.StartNew();
                store.Checkpoint();
                var elapsed = clock.Elapsed.TotalMilliseconds;
                // Written: new files whole, files that existed (a delta log) by what they grew; removed outdated ones ignored.
                var written = Sizes(checkpoints).Sum(f => Math.Max(0, f.Value - before.GetValueOrDefault(f.Key)));
                results.Add((elapsed, written));
            }
            store.Close();
            Console.Error.WriteLine($"   {(incremental ? "incremental" : "full")}: checkpoints (full, incremental) = {store.CheckpointCounts}");
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* temp */ }
        }
        return results;
    }

    private static Dictionary<string, long> Sizes(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => f, f => new FileInfo(f).Length) : [];
}
