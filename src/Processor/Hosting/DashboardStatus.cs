using ContactCenter.Processor.Feed;

namespace ContactCenter.Processor.Hosting;

/// <summary>The numbers the page's charts poll, in one JSON object: per stage counters and lag, recent e2e latency,
/// Redis rebuilds in progress and the feed's clients. Throughput is the page's derivative of <c>consumed</c>.</summary>
internal sealed record DashboardStatus(
    string Topology, string StateStage, string KeyPattern, int Partitions, long TimeUnixMs, bool Ready, string Readiness,
    IReadOnlyList<DashboardStatus.Stage> Stages, DashboardStatus.Latency E2e, DashboardStatus.Recovery Recovering, DashboardStatus.FeedCounts Feed)
{
    public sealed record Stage(string Name, long Consumed, long Applied, long Stale, long Dropped, long DeadLettered, long Lag, IReadOnlyList<int> Partitions);

    public sealed record Latency(double P50, double P99, double Max, long Count);

    public sealed record Recovery(bool Rebuilding, long LossesDetected, IReadOnlyList<RebuildProgress> Rebuilds);

    public sealed record RebuildProgress(bool Done, long Read, double ElapsedSeconds, IReadOnlyList<RebuildPartition> Partitions);

    public sealed record RebuildPartition(int Partition, long Next, long UpTo);

    public sealed record FeedCounts(int Clients, long Published, long Received, long Dropped);

    public static async Task<DashboardStatus> ReadAsync(PodStatus? status, PodMetrics? metrics, AgentFeed feed)
    {
        var spec = feed.Spec;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var feedCounts = new FeedCounts(feed.Clients, feed.Published, feed.Received, feed.Dropped);
        var e2e = metrics?.RecentE2e.Last ?? default;
        var latency = new Latency(e2e.P50, e2e.P99, e2e.Max, e2e.Count);
        if (status is null)
            return new(spec.Name, spec.Name, spec.KeyPattern, spec.InputPartitions, now, false, "not ready: starting", [], latency, new(false, 0, []), feedCounts);
        var (ready, reason) = await status.ReadinessAsync();
        var lag = status.Lag?.Lag;
        var stages = status.Stages().Select(s => new Stage(s.Stage, s.Counters.Consumed, s.Counters.Applied, s.Counters.Stale, s.Counters.Dropped,
            s.Counters.DeadLettered, lag?.Where(l => l.Key.Stage == s.Stage).Sum(l => l.Value) ?? 0, s.Counters.AssignedPartitions)).ToList();
        var recovery = status.Pipeline.StateOrNull?.Recovery;
        var rebuild = recovery is null
            ? new Recovery(false, 0, [])
            : new Recovery(recovery.IsRebuilding, recovery.LossesDetected, recovery.Rebuilds.Select(r => new RebuildProgress(r.Completion.IsCompleted, r.Read,
                Math.Round(r.Elapsed.TotalSeconds, 2), r.Partitions.OrderBy(p => p.Key).Select(p => new RebuildPartition(p.Key, p.Value.Next, p.Value.UpTo)).ToList())).ToList());
        return new(status.Pipeline.Spec.Name, spec.Name, spec.KeyPattern, spec.InputPartitions, now, ready, reason, stages, latency, rebuild, feedCounts);
    }
}
