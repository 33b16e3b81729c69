using System.Diagnostics;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Sandbox.Scale;

/// <summary>
/// Pods scaling in and out under traffic, as an autoscaler would drive them: <c>contactcenter run</c> processes against
/// the embedded broker and an embedded Garnet, started and stopped step by step (the issue's 1 -> 3 -> 6 -> 2), scale-in
/// by SIGTERM, then one pod killed with SIGKILL and replaced. Meanwhile <see cref="PartitionProgressWatch"/> notes when
/// each partition's records reach Redis, so each change is reported as the longest pause per partition; at the end
/// Redis must hold exactly what the traffic implies.
/// </summary>
internal static class PodScaleScenario
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan ResumeTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ExactTimeout = TimeSpan.FromSeconds(120);

    public static async Task<PodScaleReport> RunAsync(PodScaleOptions options, TextWriter log, CancellationToken ct = default)
    {
        if (options.Steps.Count == 0 || options.Steps.Any(n => n < 1))
            throw new ArgumentException("steps must be one or more pod counts of at least 1", nameof(options));
        var spec = TopologyLoader.Load(options.TopologyFile).Spec
            ?? throw new ArgumentException($"{options.TopologyFile} is not a valid topology", nameof(options));
        Directory.CreateDirectory(options.WorkDir);

        using var broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint).ConfigureAwait(false);
        await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, ct).ConfigureAwait(false);

        var simulation = new AgentSimulation(options.Agents, options.Seed);
        var clock = Stopwatch.StartNew();
        var startedUtc = DateTime.UtcNow;
        await using var traffic = new SteadyTraffic(spec, broker.BootstrapServers, simulation);
        if (options.Preload > 0) traffic.Burst(options.Preload);
        await using var watch = new PartitionProgressWatch(redis.GetDatabase(), spec.State.Name, spec.State.InputPartitions, clock);

        var pods = new List<ScaledPod>();
        var exitCodes = new List<int?>();
        var changes = new List<(string Label, bool Graceful, double Start, double Ready)>();
        var podNumber = 0;
        ScaledPod NewPod()
        {
            var name = $"pod-{++podNumber}";
            var stateDir = options.SharedStateDir
                ? Path.Combine(options.WorkDir, "shared-state")
                : Path.Combine(options.WorkDir, name, "state");
            var pod = ScaledPod.Start(name, options.PodDll, options.WorkDir,
            [
                "--topology", options.TopologyFile, "--bootstrap-servers", broker.BootstrapServers, "--redis", garnet.Endpoint,
                "--stages", options.Stages, "--store", "faster", "--state-dir", stateDir, "--create-topics", "false",
                "--grace-period", "25s",
            ]);
            pods.Add(pod);
            return pod;
        }

        try
        {
            // The first step: pods start, traffic begins once they are ready, and a quiet stretch gives the baseline.
            await StartPodsAsync(Enumerable.Range(0, options.Steps[0]).Select(_ => NewPod()).ToList()).ConfigureAwait(false);
            traffic.Start(options.EventsPerSecond);
            var baselineFrom = watch.Now;
            await WaitForAllPartitionsAsync(watch, baselineFrom, pods, ct).ConfigureAwait(false);
            await Task.Delay(options.Settle, ct).ConfigureAwait(false);
            var baselineTo = watch.Now;
            log.WriteLine($"{options.Steps[0]} pod(s) running, traffic at {options.EventsPerSecond}/s");

            var current = options.Steps[0];
            foreach (var target in options.Steps.Skip(1))
            {
                var start = watch.Now;
                if (target > current)
                {
                    await StartPodsAsync(Enumerable.Range(0, target - current).Select(_ => NewPod()).ToList()).ConfigureAwait(false);
                }
                else if (target < current)
                {
                    // A replica set removes the newest pods first; all at once, like `kubectl scale`.
                    var leaving = pods.TakeLast(current - target).ToList();
                    foreach (var pod in leaving) pod.Terminate();
                    foreach (var pod in leaving)
                    {
                        var code = await pod.WaitForExitAsync(DrainTimeout).ConfigureAwait(false);
                        exitCodes.Add(code);
                        if (code != 0) log.WriteLine($"{pod.Name} exited {code?.ToString() ?? "not at all"} after SIGTERM\n{pod.Tail}");
                        pods.Remove(pod);
                        pod.Dispose();
                    }
                }
                var ready = watch.Now;
                changes.Add(($"{current} -> {target}", true, start, ready));
                log.WriteLine($"{current} -> {target} pods in {(ready - start) / 1000:F1} s");
                current = target;
                await WaitForAllPartitionsAsync(watch, ready, pods, ct).ConfigureAwait(false);
                await Task.Delay(options.Settle, ct).ConfigureAwait(false);
            }

            if (options.KillOne)
            {
                var start = watch.Now;
                var victim = pods[0];
                victim.KillHard();
                await victim.WaitForExitAsync(DrainTimeout).ConfigureAwait(false);
                pods.Remove(victim);
                victim.Dispose();
                await StartPodsAsync([NewPod()]).ConfigureAwait(false);
                var ready = watch.Now;
                changes.Add(("kill -9 + replacement", false, start, ready));
                log.WriteLine($"killed {victim.Name} with SIGKILL, replacement ready in {(ready - start) / 1000:F1} s");
                await WaitForAllPartitionsAsync(watch, ready, pods, ct).ConfigureAwait(false);
                await Task.Delay(options.Settle, ct).ConfigureAwait(false);
            }

            var trafficEnd = watch.Now;
            await traffic.StopAsync().ConfigureAwait(false);
            if (traffic.Failed > 0)
                throw new InvalidOperationException($"{traffic.Failed} events were not delivered: the model expects events the pipeline never saw");

            var expected = simulation.Agents.ToDictionary(a => a.Id, a => options.Expected(a, spec));
            var (mismatches, samples) = await WaitForExactAsync(spec, expected, redis, ct).ConfigureAwait(false);

            // Scale to zero the graceful way: every remaining pod drains and exits 0.
            foreach (var pod in pods) pod.Terminate();
            foreach (var pod in pods) exitCodes.Add(await pod.WaitForExitAsync(DrainTimeout).ConfigureAwait(false));

            var reported = new List<ScaleChange>();
            for (var i = 0; i < changes.Count; i++)
            {
                var (label, graceful, start, ready) = changes[i];
                var to = i + 1 < changes.Count ? changes[i + 1].Start : trafficEnd;
                reported.Add(new ScaleChange(label, graceful, start, ready,
                    Enumerable.Range(0, watch.Partitions).Select(p => watch.LongestPause(p, start, to)).ToList()));
            }
            var baseline = Enumerable.Range(0, watch.Partitions).Select(p => watch.LongestPause(p, baselineFrom, baselineTo) ?? 0).Max();
            var report = new PodScaleReport(reported, baseline, expected.Count, mismatches, samples, exitCodes, traffic.Produced, options.SharedStateDir);
            foreach (var line in report.Lines()) log.WriteLine(line);
            // Wall-clock bounds of each change's worst pause, to read beside the pods' logs (their lines carry UTC
            // timestamps: revocations, assignments, stream state transitions).
            for (var i = 0; i < changes.Count; i++)
            {
                var worst = reported[i].WorstPartition;
                var to = i + 1 < changes.Count ? changes[i + 1].Start : trafficEnd;
                if (watch.LongestPauseWindow(worst, changes[i].Start, to) is { } w)
                    log.WriteLine($"{changes[i].Label,-24} worst pause p{worst}: {startedUtc.AddMilliseconds(w.StartMs):HH:mm:ss.fff} -> {startedUtc.AddMilliseconds(w.EndMs):HH:mm:ss.fff} UTC (change began {startedUtc.AddMilliseconds(changes[i].Start):HH:mm:ss.fff})");
            }
            return report;
        }
        catch
        {
            foreach (var pod in pods) log.WriteLine(pod.Tail);
            throw;
        }
        finally
        {
            foreach (var pod in pods) pod.Dispose();
        }

        async Task StartPodsAsync(IReadOnlyList<ScaledPod> started)
        {
            await Task.WhenAll(started.Select(p => p.WaitForReadyAsync(ReadyTimeout))).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every partition's records reached Redis again after <paramref name="sinceMs"/>.</summary>
    private static async Task WaitForAllPartitionsAsync(PartitionProgressWatch watch, double sinceMs, IReadOnlyList<ScaledPod> pods, CancellationToken ct)
    {
        var until = watch.Now + ResumeTimeout.TotalMilliseconds;
        while (true)
        {
            var stuck = Enumerable.Range(0, watch.Partitions).Where(p => !(watch.LastMove(p) > sinceMs)).ToList();
            if (stuck.Count == 0) return;
            if (watch.Now > until)
                throw new TimeoutException($"partitions [{string.Join(",", stuck)}] made no progress for {ResumeTimeout.TotalSeconds} s after the change\n"
                    + string.Join("\n", pods.Select(p => p.Tail)));
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Compares Redis with the model until they agree or <see cref="ExactTimeout"/> passes (the pods catch up).</summary>
    private static async Task<(int Mismatches, List<string> Samples)> WaitForExactAsync(PipelineSpec spec,
        Dictionary<string, Dictionary<string, string>?> expected, IConnectionMultiplexer redis, CancellationToken ct)
    {
        var until = DateTime.UtcNow + ExactTimeout;
        while (true)
        {
            var result = await ExpectedState.CompareAsync(spec, expected, redis).ConfigureAwait(false);
            if (result.Mismatches == 0 || DateTime.UtcNow > until) return result;
            await Task.Delay(500, ct).ConfigureAwait(false);
        }
    }
}
