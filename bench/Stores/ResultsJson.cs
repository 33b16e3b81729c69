using ContactCenter.Stores.Faster;
using System.Text.Json.Nodes;

namespace ContactCenter.Bench.Stores;

/// <summary>The machine-readable last line: the ratios first, then the raw numbers per store and phase.</summary>
internal static class ResultsJson
{
    public static string Render(StoreBenchSettings s, IReadOnlyList<StoreReport> reports, StoreRatios ratios)
    {
        var stores = new JsonObject();
        foreach (var r in reports)
        {
            var store = new JsonObject { ["implementation"] = r.Implementation };
            if (r.Failure is not null)
            {
                store["failure"] = r.Failure;
                store["hung"] = r.Hung;
            }
            var phases = new JsonObject();
            foreach (var p in r.Phases)
            {
                var phase = new JsonObject
                {
                    ["ops"] = p.Ops,
                    ["seconds"] = Round(p.Seconds, 4),
                    ["opsPerSec"] = Round(p.OpsPerSecond, 0),
                    ["complete"] = p.Complete,
                };
                if (p.Latency is { Count: > 0 } l)
                {
                    phase["p50Us"] = Round(l.PercentileMicros(50), 2);
                    phase["p99Us"] = Round(l.PercentileMicros(99), 2);
                    phase["p999Us"] = Round(l.PercentileMicros(99.9), 2);
                    phase["maxUs"] = Round(l.MaxMicros, 2);
                }
                if (p.Note is not null) phase["note"] = p.Note;
                phases[p.Phase] = phase;
            }
            store["phases"] = phases;
            store["memoryGrowthMiB"] = new JsonObject
            {
                ["managed"] = Mib(r.Growth.ManagedBytes),
                ["gcCommitted"] = Mib(r.Growth.GcCommittedBytes),
                ["workingSet"] = Mib(r.Growth.WorkingSetBytes),
                ["private"] = Mib(r.Growth.PrivateBytes),
                ["native"] = Mib(r.Growth.NativeBytes),
            };
            if (r.Kind == ContactCenter.Stores.StoreKind.Faster) store["options"] = r.Options;
            stores[r.Kind.ToString().ToLowerInvariant()] = store;
        }

        var root = new JsonObject
        {
            ["fasterVsRocksThroughput"] = Round(ratios.FasterVsRocksThroughput, 3),
            ["fasterVsRocksP999"] = Round(ratios.FasterVsRocksP999, 3),
            ["recoveryVsReplay"] = Round(ratios.RecoveryVsReplay, 3),
            ["fasterVsRocksThroughput2Threads"] = Round(ratios.FasterVsRocksThroughput2, 3),
            ["recoveryVsRocksReplay"] = Round(ratios.RecoveryVsRocksReplay, 3),
            ["lazyRecoveryVsReplay"] = Round(ratios.LazyRecoveryVsReplay, 3),
            ["recoveryVsBrokerReplay"] = Round(ratios.RecoveryVsBrokerReplay, 3),
            ["recoveryVsRocksBrokerReplay"] = Round(ratios.RecoveryVsRocksBrokerReplay, 3),
            ["lazyRecoveryVsRocksReplay"] = Round(ratios.LazyRecoveryVsRocksReplay, 3),
            ["commitIntervalMs"] = s.CommitInterval.TotalMilliseconds,
            ["targets"] = new JsonObject
            {
                ["fasterVsRocksThroughput"] = StoreRatios.ThroughputTarget,
                ["fasterVsRocksP999"] = StoreRatios.P999Target,
                ["recoveryVsReplay"] = StoreRatios.RecoveryTarget,
            },
            ["fasterImplementation"] = reports.FirstOrDefault(r => r.Kind == ContactCenter.Stores.StoreKind.Faster)?.Implementation,
            ["quick"] = s.Quick,
            ["keys"] = s.Keys,
            ["valueBytes"] = s.ValueBytes,
            ["aggregateOps"] = s.AggregateOps,
            ["phaseLimitSeconds"] = s.PhaseLimit.TotalSeconds,
            ["processors"] = Environment.ProcessorCount,
            ["stores"] = stores,
        };
        return root.ToJsonString();
    }

    private static double? Round(double? v, int digits) => v is { } x && double.IsFinite(x) ? Math.Round(x, digits) : null;

    private static double Mib(long bytes) => Math.Round(bytes / (1024.0 * 1024), 1);
}
