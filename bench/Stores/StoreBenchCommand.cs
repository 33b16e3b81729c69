using ContactCenter.Stores.Faster;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// `stores`: FASTER vs Streamiz RocksDB vs Streamiz in-memory, one after the other in this process, each
/// after a small warm-up run of the same code (JIT), printed as a table and, on the last stdout line, as JSON.
/// Progress goes to stderr.
/// </summary>
internal static class StoreBenchCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        var settings = StoreBenchSettings.Parse(args, out var error);
        if (settings is null)
        {
            Console.Error.WriteLine($"stores: {error}");
            return 2;
        }

        // Store libraries log to the console (Streamiz's logger, FASTER recovery messages): send all of that to
        // stderr, so stdout holds only the report and its last line is the JSON object.
        var stdout = Console.Out;
        Console.SetOut(Console.Error);
        try
        {
            return Measure(settings, stdout);
        }
        finally
        {
            Console.SetOut(stdout);
        }
    }

    private static int Measure(StoreBenchSettings settings, TextWriter stdout)
    {
        FasterSizing.Headroom = settings.FasterHeadroom;
        FasterSizing.CheckpointInterval = settings.FasterCheckpointInterval;
        var total = Stopwatch.StartNew();
        stdout.WriteLine($"Store benchmark ({(settings.Quick ? "QUICK mode: fewer keys and ops than the full run" : "full")}): "
            + $"{settings.Keys:N0} agent keys, {settings.ValueBytes}-byte values; aggregate phases run {settings.PhaseLimit.TotalSeconds:F0} s "
            + $"(at most {settings.AggregateOps:N0} get-then-put ops), "
            + (settings.CommitInterval > TimeSpan.Zero ? $"a store flush (commit) every {settings.CommitInterval.TotalMilliseconds:F0} ms; " : "no commits; ")
            + $"{settings.PointReads:N0} point gets");
        stdout.WriteLine($"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, "
            + $"GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, load average {LoadAverage()}; state in {settings.Root}");

        var reports = new List<StoreReport>();
        try
        {
            foreach (var kind in settings.Kinds)
            {
                void Progress(string what) => Console.Error.WriteLine($"[{total.Elapsed.TotalSeconds,6:F1}s] {kind}: {what}");
                Progress("warm-up");
                var warmup = StoreBenchmark.Run(kind, Warmup(settings), w => Progress($"warm-up {w}"));
                var report = warmup.Failure is null
                    ? StoreBenchmark.Run(kind, settings, Progress)
                    : warmup with { Phases = [], Failure = $"warm-up: {warmup.Failure}" };
                reports.Add(report);
                if (report.Hung)
                {
                    // Its thread may still be spinning: anything measured after this would be skewed.
                    Console.Error.WriteLine($"{kind} hung ({report.Failure}); not measuring further stores.");
                    break;
                }
            }
        }
        finally
        {
            if (!reports.Any(r => r.Hung)) StoreBenchmark.TryDelete(settings.Root);
        }

        var ratios = StoreRatios.From(reports);
        stdout.WriteLine(ResultsTable.Render(settings, reports, ratios));
        stdout.WriteLine($"Total {total.Elapsed.TotalSeconds:F0} s; load average at the end {LoadAverage()} (other work shares these cores).");
        stdout.WriteLine(ResultsJson.Render(settings, reports, ratios));
        stdout.Flush();
        return reports.Any(r => r.Failure is not null) ? 1 : 0;
    }

    /// <summary>1/5/15-minute load averages: on a shared machine they say how much the numbers can be trusted.</summary>
    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>The same sequence at a tiny size: compiles every path before anything is measured.</summary>
    private static StoreBenchSettings Warmup(StoreBenchSettings s) => s with
    {
        Keys = 5_000,
        AggregateOps = 30_000,
        CommitInterval = TimeSpan.FromMilliseconds(100),
        PointReads = 30_000,
        Ranges = 3,
        AllScans = 1,
        PhaseLimit = TimeSpan.FromSeconds(2),
        Root = Path.Combine(s.Root, "warmup"),
    };
}
