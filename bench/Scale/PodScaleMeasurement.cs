using System.Text.Json.Serialization;
using ContactCenter.Sandbox.Scale;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Bench.Scale;

/// <summary>The pod-side figures of issue 21: pauses while pods scale, and the aggregate store's restore on a new owner.</summary>
/// <param name="MaxPartitionPauseMs">Longest time any partition's records stopped reaching Redis in a graceful change
/// (1 -> 3 -> 6 -> 2, scale-in by SIGTERM), each pod with its own empty state directory (a Deployment's emptyDir).</param>
/// <param name="MaxPartitionPauseMsSharedStateDir">The same run with one state directory shared by every pod.</param>
/// <param name="KillPauseMs">Longest pause when one pod is killed with SIGKILL and replaced (the session timeout is in it).</param>
/// <param name="ScaleExact">Both scaling runs ended with Redis exactly as the traffic implies and every drained pod exited 0.</param>
/// <param name="AggregateRestoreSecondsAt1M">A new owner of every partition with an empty disk: Streamiz restores the
/// changelog into FASTER, start to RUNNING (measured at <see cref="AgentsMeasured"/> agents; 1M unless quick).</param>
/// <param name="AggregateRestoreSecondsSharedCheckpoint">The same new owner finding the previous owner's checkpoint.</param>
/// <param name="AggregateJoinSeconds">The same start with nothing to restore: the part of both that is not the store.</param>
/// <param name="AgentsMeasured">Agents in the store for the restore figures (quick: 100,000).</param>
/// <param name="ScaleAgents">Agents the scaling runs' traffic touched.</param>
internal sealed record PodScaleResult(
    [property: JsonPropertyName("maxPartitionPauseMs")] double MaxPartitionPauseMs,
    [property: JsonPropertyName("maxPartitionPauseMsSharedStateDir")] double MaxPartitionPauseMsSharedStateDir,
    [property: JsonPropertyName("killPauseMs")] double KillPauseMs,
    [property: JsonPropertyName("scaleExact")] bool ScaleExact,
    [property: JsonPropertyName("aggregateRestoreSecondsAt1M")] double AggregateRestoreSecondsAt1M,
    [property: JsonPropertyName("aggregateRestoreSecondsSharedCheckpoint")] double AggregateRestoreSecondsSharedCheckpoint,
    [property: JsonPropertyName("aggregateJoinSeconds")] double AggregateJoinSeconds,
    [property: JsonPropertyName("agentsMeasured")] int AgentsMeasured,
    [property: JsonPropertyName("scaleAgents")] int ScaleAgents);

/// <summary>
/// Runs <see cref="PodScaleScenario"/> twice (per-pod and shared state directories) and
/// <see cref="AggregateRestoreMeasurement"/> at 1M agents (quick: 100k). Quick takes about six minutes on two cores.
/// </summary>
internal static class PodScaleMeasurement
{
    /// <param name="keepDir">Where the pods' logs are kept (each phase of a rebalance is a timestamped line in them);
    /// null: a temporary directory, deleted afterwards.</param>
    public static async Task<PodScaleResult> RunAsync(bool quick, TextWriter log, string? keepDir = null)
    {
        var root = keepDir ?? Directory.CreateTempSubdirectory("cc-bench-scale-").FullName;
        try
        {
            var topology = Path.Combine(RepoRoot(), "topologies", "agent-state.yaml");
            var scaleAgents = quick ? 2_000 : 20_000;
            PodScaleOptions Options(bool shared) => new()
            {
                TopologyFile = topology,
                WorkDir = Path.Combine(root, shared ? "shared" : "per-pod"),
                Expected = ExpectedState.For,
                SharedStateDir = shared,
                Agents = scaleAgents,
                Preload = scaleAgents * 3,
                EventsPerSecond = quick ? 300 : 1_000,
            };
            log.WriteLine("scaling pods, each with its own state directory");
            var perPod = await PodScaleScenario.RunAsync(Options(shared: false), log);
            log.WriteLine("scaling pods sharing one state directory");
            var shared = await PodScaleScenario.RunAsync(Options(shared: true), log);

            var agents = quick ? 100_000 : 1_000_000;
            log.WriteLine($"aggregate restore on a new owner at {agents:N0} agents");
            var restore = await AggregateRestoreMeasurement.RunAsync(topology, agents, Path.Combine(root, "restore"), log);
            if (!restore.StateVerified)
                throw new InvalidOperationException("the restored store did not hold every agent");

            static bool Clean(PodScaleReport r) => r.Exact && r.ExitCodes.All(c => c == 0);
            return new PodScaleResult(Math.Round(perPod.MaxGracefulPauseMs), Math.Round(shared.MaxGracefulPauseMs),
                Math.Round(Math.Max(perPod.MaxKillPauseMs, shared.MaxKillPauseMs)), Clean(perPod) && Clean(shared),
                Math.Round(restore.ChangelogSeconds, 2), Math.Round(restore.SharedCheckpointSeconds, 2), Math.Round(restore.JoinSeconds, 2), agents, scaleAgents);
        }
        finally
        {
            if (keepDir is null)
            {
                try { Directory.Delete(root, recursive: true); } catch (IOException) { }
            }
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "topologies", "agent-state.yaml"))) return dir.FullName;
        }
        throw new InvalidOperationException("run from inside the repository: topologies/agent-state.yaml not found above " + AppContext.BaseDirectory);
    }
}
