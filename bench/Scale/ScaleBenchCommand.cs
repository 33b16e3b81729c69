using System.Text.Json;
using ContactCenter.Bench.Common;

namespace ContactCenter.Bench.Scale;

/// <summary>
/// <c>bench scale [--quick]</c>: growing past one Redis and one pod (issue 21). Runs the Redis side
/// (<see cref="RedisScaleMeasurement"/>: cluster, failover and reshard exactness, fenced writes per second on a cluster
/// beside one redis-server in the same run) and the pod side (<see cref="PodScaleMeasurement"/>: the longest pause a
/// partition sees while pods go 1 -> 3 -> 6 -> 2, the aggregate store's restore at 1M agents), then prints one JSON line.
/// Progress goes to stderr.
/// </summary>
internal static class ScaleBenchCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var quick = args.Contains("--quick");
        var keep = args.SkipWhile(a => a != "--keep-logs").Skip(1).FirstOrDefault();
        var log = Console.Error;
        var (load, _) = BenchRuns.LoadAverage();
        log.WriteLine($"bench scale{(quick ? " --quick" : "")}: load average {load}");
        if (args.Contains("--pods-only"))
        {
            // The pod side alone (pauses while scaling, restore), e.g. to compare a change of the pods' settings.
            var only = await PodScaleMeasurement.RunAsync(quick, log, keep);
            Console.Out.WriteLine(JsonSerializer.Serialize(only));
            return only.ScaleExact ? 0 : 1;
        }
        var redis = await RedisScaleMeasurement.RunAsync(quick, log);
        var pods = await PodScaleMeasurement.RunAsync(quick, log, keep);
        var costPerWrite = redis.FenceWritesPerSecondCluster > 0 ? redis.FenceWritesPerSecondSingle / redis.FenceWritesPerSecondCluster - 1 : double.NaN;
        var result = new Dictionary<string, object>
        {
            ["clusterExact"] = redis.ClusterExact,
            ["failoverExact"] = redis.FailoverExact,
            ["reshardExact"] = redis.ReshardExact,
            ["maxPartitionPauseMs"] = Math.Round(pods.MaxPartitionPauseMs),
            ["aggregateRestoreSecondsAt1M"] = Math.Round(pods.AggregateRestoreSecondsAt1M, 2),
            ["fenceWritesPerSecondCluster"] = Math.Round(redis.FenceWritesPerSecondCluster),
            ["fenceWritesPerSecondSingle"] = Math.Round(redis.FenceWritesPerSecondSingle),
            ["clusterCostPerWrite"] = Math.Round(costPerWrite, 3),
            ["maxPartitionPauseMsSharedStateDir"] = Math.Round(pods.MaxPartitionPauseMsSharedStateDir),
            ["killPauseMs"] = Math.Round(pods.KillPauseMs),
            ["scaleExact"] = pods.ScaleExact,
            ["aggregateRestoreSecondsSharedCheckpoint"] = Math.Round(pods.AggregateRestoreSecondsSharedCheckpoint, 2),
            ["agentsMeasured"] = pods.AgentsMeasured,
            ["loadAverage"] = load,
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(result));
        return redis.ClusterExact && redis.FailoverExact && redis.ReshardExact && pods.ScaleExact ? 0 : 1;
    }
}
