using System.Diagnostics;
using System.Text.Json;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;
using ContactCenter.Cli;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Bench.Common;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// <c>bench pipeline</c>: this engine against the design it replaces, one after the other on the same embedded native
/// broker and the same embedded Garnet (both in this process, with the generator), each design in its own worker
/// process (<see cref="PipelineWorker"/>) so that CPU, allocations, GC pauses and idle cost are the design's own.
/// Per design: warm-up, open-loop phases at fixed rates (latency from the generator's clock to Redis's reply), a
/// max-rate drain (sustained events/s), the bulk-provisioning burst (time to drain), idle CPU; then every agent's hash
/// is checked against the simulation and against the other design's. Progress on stderr; the last stdout line is JSON.
/// </summary>
internal static class PipelineBenchCommand
{
    private const string Topology = "topologies/agent-state.yaml";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        PipelineBenchSettings settings;
        try
        {
            settings = PipelineBenchSettings.Parse(args);
        }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"pipeline: bad option value ({e.Message}); see `ContactCenter.Bench` without arguments for usage");
            return 2;
        }
        var topologyPath = TopologyFiles.Resolve(Topology);
        var spec = TopologyLoader.Load(topologyPath).Spec ?? throw new InvalidOperationException($"{topologyPath} does not compile");
        Console.Error.WriteLine($"pipeline: {settings.LiveAgents:N0} live agents, burst {settings.BulkAgents:N0} agents x 3 events, rates {string.Join("/", settings.Rates)} events/s for {settings.RateDuration.TotalSeconds:F0} s, drain {(settings.DrainEvents is { } n ? $"{n:N0} events" : $"{settings.DrainSeconds.TotalSeconds:F0} s")}, {settings.Runs} run(s); designs {string.Join(", ", settings.Designs)}");
        return await BenchRuns.RepeatAsync("pipeline", settings.Runs, _ => RunOnceAsync(spec, topologyPath, settings));
    }

    /// <summary>One whole run: a fresh broker and Garnet, every design in turn, the state checked, the figures.</summary>
    private static async Task<RunOutcome> RunOnceAsync(PipelineSpec spec, string topologyPath, PipelineBenchSettings settings)
    {
        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint + ",allowAdmin=true");
        await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, CancellationToken.None);
        foreach (var source in spec.Aggregate.Sources)
        {
            broker.CreateTopic(JoinChainDesign.SourceTopic(source), source.Partitions);
            broker.CreateTopic(BareRelayDesign.SourceTopic(source), source.Partitions);
        }
        broker.CreateTopic(JoinChainDesign.DerivedTopic(spec), spec.Aggregate.OutputPartitions);
        broker.CreateTopic(BareRelayDesign.RelayTopic(spec), spec.Aggregate.OutputPartitions);

        var results = new List<DesignResult>();
        Dictionary<string, Dictionary<string, string>?>? firstState = null;
        var failed = false;
        foreach (var design in settings.Designs)
        {
            await redis.GetServer(redis.GetEndPoints()[0]).FlushAllDatabasesAsync();
            // The max-rate drain lasts about DrainSeconds for the first design that keeps agent state, and the later ones
            // drain the same events (their final states are compared); the bare relay sizes its own (at about 3x the
            // engine's rate, sizing everyone's by it made the engine's drain a minute and the join chain's several).
            var result = await RunDesignAsync(design, spec, topologyPath, broker.BootstrapServers, garnet.Endpoint, settings);
            results.Add(result);
            if (design == "bare") continue; // it writes records, not agent state: nothing to compare
            if (settings.DrainEvents is null) settings = settings with { DrainEvents = (int)result.Phases.First(p => p.Name == "max-rate").Produced };
            var expected = result.Expected;
            var (mismatches, samples) = await ExpectedState.CompareAsync(spec, expected, redis);
            var state = await ReadStateAsync(spec, expected.Keys, redis);
            var crossMismatches = firstState is null ? 0 : state.Count(s => ExpectedState.Diff(firstState[s.Key], s.Value) is not null);
            firstState ??= state;
            Console.Error.WriteLine($"== {design}: {mismatches} agents differ from the expected state, {crossMismatches} from the first design's; {string.Join("; ", samples)}");
            failed |= mismatches > 0 || crossMismatches > 0;
            results[^1] = result with { Mismatches = mismatches + crossMismatches };
        }

        var figures = PipelineReport.Print(results);
        if (failed) Console.Error.WriteLine("FAILED: the designs did not reach the expected Redis state");
        var bare = results.FirstOrDefault(r => r.Design == "bare");
        return new RunOutcome(figures, !failed, "bareEventsPerSecond", bare?.EventsPerSecond ?? double.NaN);
    }

    private static async Task<DesignResult> RunDesignAsync(string design, PipelineSpec spec, string topologyPath, string bootstrap, string redisEndpoint,
        PipelineBenchSettings settings)
    {
        Func<SourceSpec, string> topicOf = design switch
        {
            "engine" => s => s.Topic,
            "bare" => BareRelayDesign.SourceTopic,
            _ => JoinChainDesign.SourceTopic,
        };
        using var traffic = new TrafficGenerator(bootstrap, spec, topicOf, settings.LiveAgents, settings.BulkAgents, settings.Seed);
        // The engine runs with the pod's GC and JIT settings; the replaced design with .NET's defaults.
        var (environment, ignored) = design == "engine" ? PodRuntimeSettings.Read() : ([], []);
        if (ignored.Count > 0) Console.Error.WriteLine($"   pod runtime settings not carried over: {string.Join(", ", ignored)}");
        var started = Stopwatch.StartNew();
        await using var worker = await WorkerProcess.StartAsync(
            ["--design", design, "--topology", topologyPath, "--bootstrap", bootstrap, "--redis", redisEndpoint, "--threads", settings.JoinChainThreads.ToString(),
                .. settings.AllocationProfile ? ["--alloc-profile"] : Array.Empty<string>()],
            environment, TimeSpan.FromMinutes(3));
        Console.Error.WriteLine($"== {design}: worker {worker.Id} running after {started.Elapsed.TotalSeconds:F1} s{(environment.Count > 0 ? " with " + string.Join(" ", environment.Select(e => $"{e.Key}={e.Value}")) : "")}");
        var phases = new List<PhaseResult>();

        // Warm-up (JIT, connections, first fetches): checked at the end, not reported.
        await BeginAsync(worker);
        await traffic.AtRateAsync(settings.WarmupRate, settings.Warmup);
        await DrainAsync(worker, traffic, settings);
        await worker.SendAsync("end", TimeSpan.FromSeconds(10));

        foreach (var rate in settings.Rates)
        {
            var before = traffic.Produced;
            await BeginAsync(worker);
            await traffic.AtRateAsync(rate, settings.RateDuration);
            var drain = await DrainAsync(worker, traffic, settings);
            var stats = await worker.SendAsync("end", TimeSpan.FromSeconds(10));
            phases.Add(new PhaseResult($"rate-{rate}", traffic.Produced - before, stats, null));
            Console.Error.WriteLine($"   {design} at {rate}/s: p50 {Ms(stats, "p50Ms")} p99 {Ms(stats, "p99Ms")} p99.9 {Ms(stats, "p999Ms")} ms; drained {drain.TailSeconds:F2} s after the last event");
        }

        // Untimed probe drain: warms the drain path and, for the first design, sizes the timed drain.
        var probe = await BurstAsync(worker, traffic, settings, "probe", traffic.Prepare(settings.ProbeEvents));
        var drainEvents = settings.DrainEvents ?? (int)Math.Max(settings.ProbeEvents, settings.ProbeEvents / probe.DrainSeconds!.Value * settings.DrainSeconds.TotalSeconds);
        var drainPhase = await BurstAsync(worker, traffic, settings, "max-rate", traffic.Prepare(drainEvents));
        Console.Error.WriteLine($"   {design} max-rate drain: {drainPhase.Events:N0} events in {drainPhase.DrainSeconds:F2} s = {drainPhase.Events / drainPhase.DrainSeconds!.Value:N0} events/s");
        var burst = await BurstAsync(worker, traffic, settings, "burst", traffic.PrepareBurst());
        Console.Error.WriteLine($"   {design} burst: {burst.Events:N0} events drained in {burst.DrainSeconds:F2} s");
        phases.Add(drainPhase);
        phases.Add(burst);

        // Idle: everything drained, nothing produced.
        await Task.Delay(TimeSpan.FromSeconds(1));
        await BeginAsync(worker);
        await Task.Delay(settings.Idle);
        var idle = await worker.SendAsync("end", TimeSpan.FromSeconds(10));
        var idlePercent = idle.GetProperty("cpuMs").GetDouble() / (idle.GetProperty("seconds").GetDouble() * 1000) * 100;
        Console.Error.WriteLine($"   {design} idle: {idlePercent:F1} % of a core");
        phases.Add(new PhaseResult("idle", 0, idle, null));

        return new DesignResult(design, phases, drainPhase.Events / drainPhase.DrainSeconds!.Value, burst.DrainSeconds!.Value, idlePercent, traffic.Expected());
    }

    private static Task BeginAsync(WorkerProcess worker) =>
        worker.SendAsync($"phase {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}", TimeSpan.FromSeconds(10));

    /// <summary>Produces prepared events at once and times until the design's last acknowledgement. When the drain ended
    /// by the quiet period with much less written than produced, the phase counts only the writes acknowledged in it
    /// (per-event figures and rate), and says so: the rest is the next phase's backlog.</summary>
    private static async Task<PhaseResult> BurstAsync(WorkerProcess worker, TrafficGenerator traffic, PipelineBenchSettings settings, string name,
        List<GeneratedEvent> events)
    {
        var ackedBefore = (await worker.SendAsync($"wait 0 0 0", TimeSpan.FromSeconds(10))).GetProperty("acked").GetInt64();
        await BeginAsync(worker);
        var startMicros = AckRecorder.NowUnixMicros();
        traffic.ProduceAll(events);
        var drain = await DrainAsync(worker, traffic, settings);
        var stats = await worker.SendAsync("end", TimeSpan.FromSeconds(10));
        var written = drain.Acked - ackedBefore;
        var counted = written < events.Count * 0.99 ? written : events.Count;
        if (counted < events.Count)
            Console.Error.WriteLine($"   {name}: only {written:N0} of {events.Count:N0} events written when the drain ended: figures per event use {counted:N0}");
        return new PhaseResult(name, counted, stats, (drain.LastAckUnixMicros - startMicros) / 1e6) { Produced = events.Count };
    }

    private static async Task<(long LastAckUnixMicros, double TailSeconds, long Acked)> DrainAsync(WorkerProcess worker, TrafficGenerator traffic, PipelineBenchSettings settings)
    {
        var producedAt = AckRecorder.NowUnixMicros();
        var reply = await worker.SendAsync($"wait {traffic.Produced} {(long)settings.Quiet.TotalMilliseconds} {(long)TimeSpan.FromMinutes(10).TotalMilliseconds}", TimeSpan.FromMinutes(11));
        var last = reply.GetProperty("lastAckUnixMicros").GetInt64();
        var acked = reply.GetProperty("acked").GetInt64();
        if (!reply.GetProperty("reached").GetBoolean())
            Console.Error.WriteLine($"   ({acked:N0} writes for {traffic.Produced:N0} events: drain ended by {settings.Quiet.TotalSeconds:F0} s without acknowledgements)");
        return (last, Math.Max(0, (last - producedAt) / 1e6), acked);
    }

    private static async Task<Dictionary<string, Dictionary<string, string>?>> ReadStateAsync(PipelineSpec spec, IEnumerable<string> ids, IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        var reads = ids.ToDictionary(id => id, id => RedisStateReader.ReadHashAsync(db, StateKey(spec, id)));
        await Task.WhenAll(reads.Values);
        return reads.ToDictionary(r => r.Key, r => r.Value.Result);
    }

    private static string StateKey(PipelineSpec spec, string id) => spec.State.KeyPattern.Replace("{key}", id, StringComparison.Ordinal);

    private static string Ms(JsonElement stats, string name) => stats.GetProperty(name).GetDouble().ToString("F1");

}

/// <summary>One measured phase of a design: events produced in it, the worker's statistics, and for drains the time
/// from the first event sent to the last write acknowledged.</summary>
internal sealed record PhaseResult(string Name, long Events, JsonElement Stats, double? DrainSeconds)
{
    /// <summary>Events produced for the phase (<see cref="Events"/> counts those written within it when fewer).</summary>
    public long Produced { get; init; } = Events;
}

/// <summary>Everything measured for one design, and the state it had to reach.</summary>
internal sealed record DesignResult(string Design, List<PhaseResult> Phases, double EventsPerSecond, double BurstDrainSeconds, double IdleCpuPercent,
    Dictionary<string, Dictionary<string, string>?> Expected)
{
    public int Mismatches { get; init; }
}
