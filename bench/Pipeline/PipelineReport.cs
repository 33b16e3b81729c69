using System.Text.Json;

namespace ContactCenter.Bench.Pipeline;

/// <summary>The results table (stdout) and the JSON summary line the issue asks for (the last stdout line).</summary>
internal static class PipelineReport
{
    /// <summary>Prints the table and returns the run's figures (the JSON fields).</summary>
    public static Dictionary<string, double> Print(IReadOnlyList<DesignResult> results)
    {
        Console.WriteLine($"load average {Common.BenchRuns.LoadAverage().Text}");
        Console.WriteLine($"{"design",-11} {"phase",-11} {"events",8} {"p50 ms",8} {"p99 ms",8} {"p99.9 ms",9} {"drain s",8} {"CPU µs/ev",10} {"alloc B/ev",11} {"GC p99 ms",10} {"GCs",5}");
        foreach (var result in results)
        {
            foreach (var phase in result.Phases.Where(p => p.Events > 0))
            {
                var s = phase.Stats;
                var perEvent = 1.0 / phase.Events;
                Console.WriteLine($"{result.Design,-11} {phase.Name,-11} {phase.Events,8:N0} {D(s, "p50Ms"),8:F1} {D(s, "p99Ms"),8:F1} {D(s, "p999Ms"),9:F1} " +
                    $"{phase.DrainSeconds?.ToString("F2") ?? "-",8} {D(s, "cpuMs") * 1000 * perEvent,10:F1} {s.GetProperty("allocatedBytes").GetInt64() * perEvent,11:N0} " +
                    $"{D(s, "gcPauseP99Ms"),10:F2} {s.GetProperty("gcPauses").GetInt32(),5}");
            }
            Console.WriteLine($"{result.Design,-11} sustained {result.EventsPerSecond:N0} events/s; burst drained in {result.BurstDrainSeconds:F2} s; idle {result.IdleCpuPercent:F1} % of a core; state mismatches {result.Mismatches}");
            var max = result.Phases.First(p => p.Name == "max-rate");
            var threads = max.Stats.GetProperty("threadCpuMs").EnumerateObject().Take(8)
                .Select(t => $"{t.Name} {t.Value.GetDouble() * 1000 / max.Events:F1}");
            Console.WriteLine($"{result.Design,-11} CPU µs/event by thread in the max-rate drain: {string.Join(", ", threads)}");
            var types = max.Stats.GetProperty("allocationTypesPercent").EnumerateObject().Select(t => $"{t.Name} {t.Value.GetDouble():F0}%").ToList();
            if (types.Count > 0)
                Console.WriteLine($"{result.Design,-11} allocations by type in the max-rate drain (sampled): {string.Join(", ", types)}");
        }

        var engine = results.FirstOrDefault(r => r.Design == "engine");
        var legacy = results.FirstOrDefault(r => r.Design == "join-chain");
        var bare = results.FirstOrDefault(r => r.Design == "bare");
        double P99At(DesignResult? r, int rate) => r?.Phases.FirstOrDefault(p => p.Name == $"rate-{rate}") is { } p ? D(p.Stats, "p99Ms") : double.NaN;
        double Ratio(double a, double b) => b > 0 && !double.IsNaN(a) && !double.IsNaN(b) ? Math.Round(a / b, 2) : 0;
        double Or0(double value) => double.IsNaN(value) ? 0 : value;
        // Cost per event: the engine's whole worker process (every thread) over its max-rate drain.
        var drain = engine?.Phases.FirstOrDefault(p => p.Name == "max-rate");
        double PerEvent(string name, double scale) => drain is null ? 0 : D(drain.Stats, name) * scale / drain.Events;
        return new Dictionary<string, double>
        {
            ["throughputRatio"] = Ratio(engine?.EventsPerSecond ?? double.NaN, legacy?.EventsPerSecond ?? double.NaN),
            ["p99Ratio"] = Ratio(P99At(legacy, 5000), P99At(engine, 5000)),
            ["burstDrainRatio"] = Ratio(legacy?.BurstDrainSeconds ?? double.NaN, engine?.BurstDrainSeconds ?? double.NaN),
            ["engineEventsPerSecond"] = Math.Round(engine?.EventsPerSecond ?? 0),
            ["engineP99MsAt5k"] = Math.Round(Or0(P99At(engine, 5000)), 1),
            ["idleCpuPercent"] = Math.Round(engine?.IdleCpuPercent ?? 0, 1),
            ["engineVsBare"] = Ratio(engine?.EventsPerSecond ?? double.NaN, bare?.EventsPerSecond ?? double.NaN),
            ["cpuMicrosPerEvent"] = Math.Round(PerEvent("cpuMs", 1000), 1),
            ["allocBytesPerEvent"] = Math.Round(drain is null ? 0 : drain.Stats.GetProperty("allocatedBytes").GetInt64() / (double)drain.Events),
            ["gcP99Ms"] = Math.Round(drain is null ? 0 : D(drain.Stats, "gcPauseP99Ms"), 2),
            ["engineP99MsAt2k"] = Math.Round(Or0(P99At(engine, 2000)), 1),
            ["bareEventsPerSecond"] = Math.Round(bare?.EventsPerSecond ?? 0),
        };
    }

    private static double D(JsonElement stats, string name) => stats.GetProperty(name).GetDouble();
}
