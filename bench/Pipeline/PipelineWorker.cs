using System.Text.Json;
using ContactCenter.Topology.Files;
using HdrHistogram;
using ContactCenter.Cli;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// <c>pipeline-worker</c>: runs ONE design in its own process, so that its CPU, allocations, GC pauses and idle cost
/// are its own (the broker, Garnet and the generator live in the parent). Commands arrive one per line on stdin; each
/// answer is one line on stdout starting with <see cref="ReplyPrefix"/>:
/// <list type="bullet">
/// <item><c>phase START_UNIX_MS</c>: a new phase; events stamped from then on are timed into its histogram, and the
/// process's counters are sampled;</item>
/// <item><c>wait TARGET QUIET_MS TIMEOUT_MS</c>: until TARGET writes were acknowledged since start (or none for QUIET_MS);</item>
/// <item><c>end</c>: the phase's latency percentiles and what the process spent since <c>phase</c>;</item>
/// <item><c>quit</c>: stops the design and exits.</item>
/// </list>
/// Options: <c>--design bare|engine|join-chain --topology F --bootstrap B --redis R --threads N [--alloc-profile]</c>.
/// <list type="bullet">
/// </list>
/// </summary>
internal static class PipelineWorker
{
    public const string ReplyPrefix = "@@ ";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        string Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault()
            ?? throw new ArgumentException($"pipeline-worker needs {name}");
        var design = Option("--design");
        var loaded = TopologyLoader.Load(TopologyFiles.Resolve(Option("--topology")));
        var spec = loaded.Spec ?? throw new InvalidOperationException(string.Join("; ", loaded.Diagnostics));
        var stateDir = Directory.CreateTempSubdirectory($"cc-bench-{design}-").FullName;
        using var pauses = new GcPauseListener();
        using var allocations = args.Contains("--alloc-profile") ? new AllocationSampler() : null;
        var acks = new AckRecorder();
        IBenchDesign running = design switch
        {
            "bare" => new BareRelayDesign(spec, Option("--bootstrap"), Option("--redis"), acks),
            "engine" => new EngineDesign(spec, Option("--bootstrap"), Option("--redis"), stateDir, acks),
            "join-chain" => new JoinChainDesign(spec, Option("--bootstrap"), Option("--redis"), stateDir, int.Parse(Option("--threads")), acks),
            _ => throw new ArgumentException($"unknown design '{design}'"),
        };
        try
        {
            using (var startup = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
                await running.StartAsync(startup.Token);
            Reply(new { ready = true });
            var phaseStart = ProcessSample.Take();
            while (await Console.In.ReadLineAsync() is { } line)
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                switch (words)
                {
                    case ["phase", var startMs]:
                        acks.BeginPhase(long.Parse(startMs));
                        pauses.Drain();
                        allocations?.Drain();
                        phaseStart = ProcessSample.Take();
                        Reply(new { ok = true });
                        break;
                    case ["wait", var target, var quietMs, var timeoutMs]:
                        var (reached, acked, last) = await acks.WaitAsync(long.Parse(target), TimeSpan.FromMilliseconds(long.Parse(quietMs)), TimeSpan.FromMilliseconds(long.Parse(timeoutMs)));
                        Reply(new { reached, acked, lastAckUnixMicros = last });
                        break;
                    case ["end"]:
                        Reply(PhaseReport(phaseStart, ProcessSample.Take(), acks.CurrentPhase(), pauses.Drain(), allocations?.Drain() ?? []));
                        break;
                    case ["quit"]:
                        return 0;
                    default:
                        Reply(new { error = $"unknown command '{line}'" });
                        break;
                }
            }
            return 0;
        }
        finally
        {
            await running.DisposeAsync();
            try { Directory.Delete(stateDir, recursive: true); }
            catch (IOException) { /* a temp folder left behind is harmless */ }
        }
    }

    private static object PhaseReport(ProcessSample from, ProcessSample to, LongHistogram latency, double[] pausesMs, Dictionary<string, double> allocationTypes)
    {
        double Percentile(double p) => latency.TotalCount == 0 ? 0 : latency.GetValueAtPercentile(p) / 1000.0;
        Array.Sort(pausesMs);
        var threads = to.ThreadCpuMs
            .Select(t => (t.Key, Ms: t.Value - from.ThreadCpuMs.GetValueOrDefault(t.Key)))
            .Where(t => t.Ms > 0)
            .OrderByDescending(t => t.Ms)
            .ToDictionary(t => t.Key, t => Math.Round(t.Ms, 0));
        return new
        {
            seconds = (to.WallTicks - from.WallTicks) / (double)System.Diagnostics.Stopwatch.Frequency,
            cpuMs = (to.Cpu - from.Cpu).TotalMilliseconds,
            allocatedBytes = to.AllocatedBytes - from.AllocatedBytes,
            gcPauseTotalMs = (to.GcPause - from.GcPause).TotalMilliseconds,
            gcCount = new[] { to.Gen0 - from.Gen0, to.Gen1 - from.Gen1, to.Gen2 - from.Gen2 },
            gcPauses = pausesMs.Length,
            gcPauseP99Ms = pausesMs.Length == 0 ? 0 : pausesMs[Math.Min(pausesMs.Length - 1, (int)Math.Ceiling(pausesMs.Length * 0.99) - 1)],
            gcPauseMaxMs = pausesMs.Length == 0 ? 0 : pausesMs[^1],
            samples = latency.TotalCount,
            p50Ms = Percentile(50),
            p99Ms = Percentile(99),
            p999Ms = Percentile(99.9),
            maxMs = latency.TotalCount == 0 ? 0 : latency.GetMaxValue() / 1000.0,
            threadCpuMs = threads,
            allocationTypesPercent = allocationTypes,
        };
    }

    private static void Reply(object value) => Console.Out.WriteLine(ReplyPrefix + JsonSerializer.Serialize(value));
}
