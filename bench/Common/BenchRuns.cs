using System.Globalization;
using System.Text.Json;

namespace ContactCenter.Bench.Common;

/// <summary>What one run of a verb measured: its figures (the verb's JSON fields), whether its checks passed, and the
/// calibration of the machine taken in the same run (the figure results from other machines are divided by).</summary>
internal sealed record RunOutcome(IReadOnlyDictionary<string, double> Figures, bool Passed, string CalibrationName, double Calibration);

/// <summary>
/// The one way every verb repeats itself (<c>--runs N</c>) and reports: each run's JSON on stderr as it ends, then a
/// min / median / max table on stdout and, as the last stdout line, one JSON object with each figure's median under its
/// usual name (so scripts that read one run's fields keep working), <c>runs</c>, the load average before each run
/// (<c>loadAverage</c>: min / median / max of the 1-minute figure), the calibration (<c>calibration</c>: its name
/// and median) and <c>spread</c> (every figure's [min, median, max]). Medians, because a shared machine's noise is
/// one-sided: a single slow run moves a mean, not a median.
/// </summary>
internal static class BenchRuns
{
    /// <summary><c>--runs N</c> (default 1).</summary>
    public static int Count(IReadOnlyList<string> args)
    {
        for (var i = 0; i + 1 < args.Count; i++)
        {
            if (args[i] != "--runs") continue;
            if (!int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var runs) || runs < 1)
                throw new FormatException($"--runs needs a whole number >= 1, not '{args[i + 1]}'");
            return runs;
        }
        return 1;
    }

    /// <summary>Runs <paramref name="once"/> <paramref name="runs"/> times and prints the summary; exit code 0 when every run passed.</summary>
    public static async Task<int> RepeatAsync(string verb, int runs, Func<int, Task<RunOutcome>> once)
    {
        var outcomes = new List<RunOutcome>();
        var loads = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            // Every run starts from the same process state: the previous run's broker logs, Garnet and traffic (gigabytes
            // after a pipeline run) are collected and the heap compacted now, not during the next run's timed phases.
            if (run > 1) SettleHeap();
            var load = LoadAverage();
            loads.Add(load.OneMinute);
            Console.Error.WriteLine($"{verb}: run {run} of {runs}, load average {load.Text}");
            var outcome = await once(run);
            outcomes.Add(outcome);
            Console.Error.WriteLine($"{verb}: run {run}: {JsonSerializer.Serialize(outcome.Figures)} {outcome.CalibrationName} {outcome.Calibration:F0}");
        }
        Print(outcomes, loads);
        return outcomes.All(o => o.Passed) ? 0 : 1;
    }

    private static void SettleHeap()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static void Print(List<RunOutcome> outcomes, List<double> loads)
    {
        var names = outcomes.SelectMany(o => o.Figures.Keys).Distinct().ToList();
        var spread = names.ToDictionary(n => n, n => Stats(outcomes.Where(o => o.Figures.ContainsKey(n)).Select(o => o.Figures[n])));
        var calibration = Stats(outcomes.Select(o => o.Calibration));
        Console.WriteLine($"{outcomes.Count} run(s); load average (1 min) before each: {string.Join(", ", loads.Select(l => l.ToString("F2", CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"{"figure",-28} {"min",12} {"median",12} {"max",12}");
        foreach (var (name, s) in spread.Prepend(new KeyValuePair<string, double[]>(outcomes[0].CalibrationName + " (calibration)", calibration)))
            Console.WriteLine($"{name,-28} {s[0],12:G6} {s[1],12:G6} {s[2],12:G6}");
        var summary = new Dictionary<string, object>();
        foreach (var (name, s) in spread) summary[name] = s[1];
        summary["runs"] = outcomes.Count;
        summary["loadAverage"] = Stats(loads);
        summary["calibration"] = new Dictionary<string, double> { [outcomes[0].CalibrationName] = calibration[1] };
        summary["spread"] = spread;
        Console.WriteLine(JsonSerializer.Serialize(summary));
    }

    /// <summary>[min, median, max] (the median of an even count is the mean of the middle two), rounded to 4 significant digits.</summary>
    public static double[] Stats(IEnumerable<double> values)
    {
        var sorted = values.Where(v => double.IsFinite(v)).Order().ToArray(); // a figure a run could not take is left out
        if (sorted.Length == 0) return [0, 0, 0];
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return [Round(sorted[0]), Round(median), Round(sorted[^1])];
    }

    private static double Round(double value) =>
        value == 0 || double.IsNaN(value) || double.IsInfinity(value) ? value : Math.Round(value, Math.Max(0, 3 - (int)Math.Floor(Math.Log10(Math.Abs(value)))));

    /// <summary>/proc/loadavg's three figures as text, and the 1-minute one (NaN where there is none).</summary>
    public static (string Text, double OneMinute) LoadAverage()
    {
        if (!File.Exists("/proc/loadavg")) return ("?", double.NaN);
        var parts = File.ReadAllText("/proc/loadavg").Split(' ');
        return (string.Join(" ", parts.Take(3)), double.Parse(parts[0], CultureInfo.InvariantCulture));
    }
}
