using ContactCenter.Stores.Faster;
using System.Text;

namespace ContactCenter.Bench.Stores;

/// <summary>The human-readable part of the output: one row per store and phase, memory, then the ratios against their targets.</summary>
internal static class ResultsTable
{
    public static string Render(StoreBenchSettings s, IReadOnlyList<StoreReport> reports, StoreRatios ratios)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine($"{"store",-10} {"phase",-20} {"ops",11} {"seconds",8} {"ops/s",12} {"p50 us",9} {"p99 us",9} {"p99.9 us",10} {"max us",11}  note");
        sb.AppendLine(new string('-', 130));
        foreach (var r in reports)
        {
            foreach (var p in r.Phases)
            {
                var l = p.Latency;
                string Us(double? v) => v is { } x ? x.ToString(x < 100 ? "F1" : "N0") : "-";
                sb.AppendLine($"{r.Label,-10} {p.Phase,-20} {p.Ops,11:N0} {(p.Seconds > 0 ? p.Seconds.ToString("F3") : "-"),8} {(p.Seconds > 0 ? p.OpsPerSecond.ToString("N0") : "-"),12} {Us(l?.PercentileMicros(50)),9} {Us(l?.PercentileMicros(99)),9} {Us(l?.PercentileMicros(99.9)),10} {Us(l?.MaxMicros),11}  {p.Note}");
            }
            if (r.Failure is not null) sb.AppendLine($"{r.Label,-10} {(r.Hung ? "HUNG" : "FAILED")}: {r.Failure}");
        }
        sb.AppendLine();
        sb.AppendLine("Memory growth from before the store opened to after loading it (full compacting GC before each reading):");
        sb.AppendLine($"{"store",-10} {"implementation",-26} {"managed MiB",12} {"GC commit MiB",14} {"working set MiB",16} {"private MiB",12} {"native MiB",11}  options");
        foreach (var r in reports.Where(r => r.Growth != default))
        {
            var g = r.Growth;
            sb.AppendLine($"{r.Label,-10} {r.Implementation,-26} {Mib(g.ManagedBytes),12} {Mib(g.GcCommittedBytes),14} {Mib(g.WorkingSetBytes),16} {Mib(g.PrivateBytes),12} {Mib(g.NativeBytes),11}  {(r.Kind == ContactCenter.Stores.StoreKind.Faster ? r.Options : "")}");
        }
        sb.AppendLine();
        if (reports.FirstOrDefault(r => r.Kind == ContactCenter.Stores.StoreKind.Faster) is { } faster && !IsRealFaster(faster))
            sb.AppendLine($"WARNING: StoreKind.Faster is served by {faster.Implementation} (interim factory): the FASTER rows are NOT FASTER.");
        sb.AppendLine("Ratios (baselines measured in this process):");
        sb.AppendLine(Line("FASTER / RocksDB aggregate throughput, 1 thread", ratios.FasterVsRocksThroughput, StoreRatios.ThroughputTarget));
        sb.AppendLine(Line("FASTER / RocksDB aggregate throughput, 2 threads", ratios.FasterVsRocksThroughput2, StoreRatios.ThroughputTarget));
        sb.AppendLine(Line("RocksDB p99.9 / FASTER p99.9 (aggregate, 1 thread)", ratios.FasterVsRocksP999, StoreRatios.P999Target));
        sb.AppendLine(Line("FASTER replay / FASTER recovery (preload all)", ratios.RecoveryVsReplay, StoreRatios.RecoveryTarget));
        sb.AppendLine(Line("RocksDB replay / FASTER recovery (preload all)", ratios.RecoveryVsRocksReplay, null));
        sb.AppendLine(Line("FASTER replay / FASTER lazy recovery (index only)", ratios.LazyRecoveryVsReplay, null));
        sb.AppendLine(Line("RocksDB replay / FASTER lazy recovery (index only)", ratios.LazyRecoveryVsRocksReplay, null));
        sb.AppendLine(Line("FASTER replay from the broker / FASTER recovery", ratios.RecoveryVsBrokerReplay, StoreRatios.RecoveryTarget));
        sb.AppendLine(Line("RocksDB replay from the broker / FASTER recovery", ratios.RecoveryVsRocksBrokerReplay, null));
        return sb.ToString();
    }

    private static string Line(string what, double? value, double? target)
    {
        var measured = value is { } v ? $"{v:F2}x" : "n/a";
        var verdict = target is not { } t ? "(info)" : value is not { } x ? "NOT MEASURED" : x >= t ? $"target >= {t}x: MET" : $"target >= {t}x: MISSED ({x / t:P0} of target)";
        return $"  {what,-52} {measured,9}  {verdict}";
    }

    internal static bool IsRealFaster(StoreReport faster) => faster.Implementation == "FasterKeyValueStore";

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("N0");
}
