using ContactCenter.Stores.Faster;
using ContactCenter.Stores;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// The targets as ratios against baselines measured in the same process. A ratio is null when a
/// side is missing or its phase did not check out (e.g. the interim FASTER stand-in recovers nothing).
/// </summary>
internal sealed record StoreRatios(double? FasterVsRocksThroughput, double? FasterVsRocksThroughput2, double? FasterVsRocksP999, double? RecoveryVsReplay, double? RecoveryVsRocksReplay, double? LazyRecoveryVsReplay, double? LazyRecoveryVsRocksReplay,
    double? RecoveryVsBrokerReplay, double? RecoveryVsRocksBrokerReplay)
{
    public const double ThroughputTarget = 5;
    public const double P999Target = 10;
    public const double RecoveryTarget = 20;

    public static StoreRatios From(IReadOnlyList<StoreReport> reports)
    {
        var faster = reports.FirstOrDefault(r => r.Kind == StoreKind.Faster);
        var rocks = reports.FirstOrDefault(r => r.Kind == StoreKind.RocksDb);
        PhaseResult? F(string p) => Valid(faster?.Phase(p));
        PhaseResult? R(string p) => Valid(rocks?.Phase(p));
        return new StoreRatios(
            Divide(F(StoreReport.Aggregate1)?.OpsPerSecond, R(StoreReport.Aggregate1)?.OpsPerSecond),
            Divide(F(StoreReport.Aggregate2)?.OpsPerSecond, R(StoreReport.Aggregate2)?.OpsPerSecond),
            Divide(R(StoreReport.Aggregate1)?.Latency?.PercentileMicros(99.9), F(StoreReport.Aggregate1)?.Latency?.PercentileMicros(99.9)),
            Divide(F(StoreReport.Replay)?.Seconds, (F(StoreReport.ReopenPreload) ?? F(StoreReport.Reopen))?.Seconds),
            Divide(R(StoreReport.Replay)?.Seconds, (F(StoreReport.ReopenPreload) ?? F(StoreReport.Reopen))?.Seconds),
            Divide(F(StoreReport.Replay)?.Seconds, F(StoreReport.Reopen)?.Seconds),
            Divide(R(StoreReport.Replay)?.Seconds, F(StoreReport.Reopen)?.Seconds),
            // As a real restore: the changelog fetched from the broker, against FASTER's recovery (preloaded when measured).
            Divide(F(StoreReport.BrokerReplay)?.Seconds, (F(StoreReport.ReopenPreload) ?? F(StoreReport.Reopen))?.Seconds),
            Divide(R(StoreReport.BrokerReplay)?.Seconds, (F(StoreReport.ReopenPreload) ?? F(StoreReport.Reopen))?.Seconds));
    }

    private static PhaseResult? Valid(PhaseResult? p) => p is { Complete: true, Ops: > 0 } ? p : null;

    private static double? Divide(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;
}
