using ContactCenter.Bench.Common;
using System.Text.Json;
using ContactCenter.Processor.Workers;
using ContactCenter.Topology.Files;
using ContactCenter.Cli;
using ContactCenter.Sandbox.Demo;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Bench.SideEffects;

/// <summary>
/// `provisioning`: the seed's incident as a benchmark. 10,000 agents (30,000 source events at 2,000/s) through
/// topologies/examples/provisioning.yaml against the simulated provisioning service (200 ms per call, 5 % failures,
/// half of them after applying), everything in this process (native broker, Garnet, stages, workers, service).
/// Reports the time until every job ended, the longest time from a source event to its stage's acknowledged write
/// (consumption never waits on the service), agents provisioned twice, retried calls (every call beyond an agent's
/// first) and dead jobs. Progress on stderr; the last stdout line is JSON.
/// </summary>
internal static class ProvisioningBenchCommand
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var quick = args.Contains("--quick");
        var agents = quick ? 2_000 : 10_000;
        var spec = TopologyLoader.Load(TopologyFiles.Resolve(ContactCenter.Cli.DemoCommand.ProvisioningTopology)).Spec
            ?? throw new InvalidOperationException("topologies/examples/provisioning.yaml does not compile");
        var options = new ProvisioningScenarioOptions
        {
            Agents = agents,
            Rate = 2_000,
            Service = new ProvisioningServiceOptions { Latency = TimeSpan.FromMilliseconds(200), FailureRate = 0.05 },
            Workers = new WorkerOptions(),
        };
        // --pause-ms 0 runs the workers without pacing (how it was), to compare.
        var pauseAt = args.ToList().IndexOf("--pause-ms");
        var pause = pauseAt >= 0 && pauseAt + 1 < args.Count ? TimeSpan.FromMilliseconds(int.Parse(args[pauseAt + 1])) : options.Workers.PauseWhenStagesBehind;
        options = options with { Workers = new WorkerOptions { PauseWhenStagesBehind = pause } };
        Console.Error.WriteLine($"provisioning: {agents:N0} agents ({agents * 3:N0} source events), service 200 ms, 5 % failures, {options.Workers.Concurrency} workers, pause while stages are {options.Workers.PauseWhenStagesBehind.TotalMilliseconds:F0} ms behind");
        return await BenchRuns.RepeatAsync("provisioning", BenchRuns.Count(args), async _ =>
        {
            var calibration = ReferenceWorkload.Measure();
            var summary = await new ProvisioningScenario(options with { Workers = new WorkerOptions { PauseWhenStagesBehind = pause } }, Console.Error).RunAsync(spec, CancellationToken.None);
            Console.Error.WriteLine($"exact: {summary.Exact} (provisioned {summary.Provisioned}, missing {summary.Missing}, extra {summary.Extra}, conflicts {summary.Conflicts})");
            return new RunOutcome(new Dictionary<string, double>
            {
                ["agents"] = summary.Agents,
                ["seconds"] = summary.Seconds,
                ["maxLagMs"] = summary.MaxLagMs,
                ["duplicates"] = summary.Duplicates,
                ["retries"] = summary.Calls - summary.Agents,
                ["dead"] = summary.Dead,
            }, summary.Exact, ReferenceWorkload.Name, calibration);
        });
    }
}
