using System.CommandLine;
using System.Text.Json;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Workers;
using ContactCenter.Stores;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using ContactCenter.Sandbox.Demo;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Cli;

/// <summary><c>contactcenter demo</c>: the whole pipeline on embedded parts, with simulated traffic and a check.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var agents = new Option<int>("--agents") { Description = "Simulated agents.", DefaultValueFactory = _ => 1000 };
        var duration = new Option<TimeSpan>("--duration")
        {
            Description = "How long traffic runs, e.g. 20s, 2m, 00:00:30.",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(15),
            CustomParser = DurationParser.Parse,
        };
        var rate = new Option<int>("--rate") { Description = "Source events per second.", DefaultValueFactory = _ => 2000 };
        var redis = new Option<string?>("--redis") { Description = "Use this Redis (HOST:PORT) instead of embedded Garnet." };
        var redisCluster = new Option<int?>("--redis-cluster")
        {
            Description = "Run on a local Redis Cluster of this many primaries (3 or more), one replica each: Debian's redis-server in cluster mode, started and stopped by the demo.",
        };
        var topology = new Option<string>("--topology") { Description = "Topology file the pipeline runs.", DefaultValueFactory = _ => "topologies/agent-state.yaml" };
        var store = new Option<StoreKind>("--store") { Description = "Aggregate store: faster, rocksdb or memory.", DefaultValueFactory = _ => StoreKind.Faster };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object on the last line." };
        var broker = BrokerKindOption.Create();
        var seed = new Option<int>("--seed") { Description = "Seed of the traffic simulation.", DefaultValueFactory = _ => 42 };
        var chaos = new Option<string>("--chaos")
        {
            Description = "Fault injected halfway through the traffic: none or redis-loss (Redis loses everything; the run must still end exact).",
            DefaultValueFactory = _ => "none",
        };
        chaos.AcceptOnlyFromAmong("none", "redis-loss");
        var scenario = new Option<string>("--scenario")
        {
            Description = "agent-state (live agent traffic, checked against Redis), provisioning (bulk on-boarding through the durable queue and workers against a simulated service) or repartition (6 -> 12 partitions migrated under traffic with a reader sampling agents).",
            DefaultValueFactory = _ => "agent-state",
        };
        scenario.AcceptOnlyFromAmong("agent-state", "provisioning", "repartition");
        var migrateTo = new Option<string>("--migrate-to") { Description = "repartition: the topology migrated to.", DefaultValueFactory = _ => RepartitionTopology };
        var interrupt = new Option<bool>("--interrupt") { Description = "repartition: stop migrate and the new stages' pod once each mid-way and start them again." };
        var latency = new Option<TimeSpan>("--latency")
        {
            Description = "provisioning: the simulated service's latency per call.",
            DefaultValueFactory = _ => TimeSpan.FromMilliseconds(200),
            CustomParser = DurationParser.Parse,
        };
        var failureRate = new Option<double>("--failure-rate") { Description = "provisioning: share of calls the service fails (0..1).", DefaultValueFactory = _ => 0.05 };
        var workers = new Option<int>("--workers") { Description = "provisioning: side effects in flight at once.", DefaultValueFactory = _ => new WorkerOptions().Concurrency };
        var guarantee = new Option<string?>("--guarantee")
        {
            Description = "Processing guarantee of the aggregate stage: at-least-once or exactly-once (Kafka transactions; native broker only). Default: what the topology file says.",
        };
        guarantee.AcceptOnlyFromAmong("at-least-once", "exactly-once");
        var httpPort = new Option<int>("--http-port") { Description = "Port of /healthz, /readyz and /metrics while the demo runs (any free port when taken; 0 = any).", DefaultValueFactory = _ => 8080 };

        var command = new Command("demo", "Run the agent pipeline on an embedded broker and Redis with simulated contact-center traffic, then verify Redis.")
        {
            agents, duration, rate, redis, redisCluster, topology, store, json, seed, chaos, httpPort, broker, scenario, latency, failureRate, workers, migrateTo, interrupt, guarantee,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(redisCluster) is not { } primaries)
                return await RunAsync(parse.GetValue(redis));
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(redis) is not null || primaries < 3)
            {
                error.WriteLine(primaries < 3 ? "demo: --redis-cluster needs at least 3 primaries" : "demo: --redis and --redis-cluster exclude each other");
                return ExitCodes.InvalidInput;
            }
            LocalRedisCluster cluster;
            try
            {
                cluster = await LocalRedisCluster.StartAsync(primaries, ct);
            }
            catch (RedisServerMissingException missing)
            {
                error.WriteLine("demo: " + missing.Message);
                return ExitCodes.Failed;
            }
            await using (cluster)
            {
                (parse.GetValue(json) ? error : parse.InvocationConfiguration.Output)
                    .WriteLine($"redis cluster: {primaries} primaries with one replica each on {cluster.Endpoint}");
                return await RunAsync(cluster.Endpoint);
            }

            async Task<int> RunAsync(string? redisEndpoint)
            {
                if (parse.GetValue(scenario) == "repartition")
                {
                    return await RunRepartitionAsync(new RepartitionOptions
                    {
                        Agents = parse.GetValue(agents),
                        Rate = parse.GetResult(rate) is { Implicit: false } ? parse.GetValue(rate) : new RepartitionOptions().Rate,
                        Duration = parse.GetResult(duration) is { Implicit: false } ? parse.GetValue(duration) : new RepartitionOptions().Duration,
                        Redis = redisEndpoint,
                        Store = parse.GetValue(store),
                        Broker = parse.GetValue(broker),
                        Seed = parse.GetValue(seed),
                        InterruptMidway = parse.GetValue(interrupt),
                    }, parse.GetValue(topology)!, parse.GetValue(migrateTo)!, parse.GetValue(json),
                        parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
                }
                if (parse.GetValue(scenario) == "provisioning")
                {
                    return await RunProvisioningAsync(new ProvisioningScenarioOptions
                    {
                        Agents = parse.GetValue(agents),
                        Rate = parse.GetValue(rate),
                        Redis = redisEndpoint,
                        Broker = parse.GetValue(broker),
                        Seed = parse.GetValue(seed),
                        Service = new ProvisioningServiceOptions { Latency = parse.GetValue(latency), FailureRate = parse.GetValue(failureRate) },
                        Workers = new WorkerOptions { Concurrency = parse.GetValue(workers) },
                    }, parse.GetResult(topology) is { Implicit: false } ? parse.GetValue(topology)! : ProvisioningTopology, parse.GetValue(json),
                        parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
                }
                var options = new DemoOptions
                {
                    Agents = parse.GetValue(agents),
                    Duration = parse.GetValue(duration),
                    Rate = parse.GetValue(rate),
                    Redis = redisEndpoint,
                    TopologyFile = parse.GetValue(topology)!,
                    Store = parse.GetValue(store),
                    Json = parse.GetValue(json),
                    Seed = parse.GetValue(seed),
                    Chaos = parse.GetValue(chaos) == "redis-loss" ? DemoChaos.RedisLoss : DemoChaos.None,
                    HttpPort = parse.GetValue(httpPort),
                    Broker = parse.GetValue(broker),
                };
                if (options.Agents < 1 || options.Rate < 1 || options.Duration <= TimeSpan.Zero)
                {
                    Console.Error.WriteLine("--agents, --rate and --duration must be positive");
                    return 2;
                }
                if (options.HttpPort is < 0 or > 65535)
                {
                    Console.Error.WriteLine("--http-port must be 0..65535");
                    return 2;
                }
                var loaded = TopologyLoader.Load(TopologyFiles.Resolve(options.TopologyFile));
                foreach (var diagnostic in loaded.Diagnostics)
                    Console.Error.WriteLine(diagnostic);
                if (loaded.Spec is null)
                    return 2;
                var spec = loaded.Spec;
                if (parse.GetValue(guarantee) is { } chosen)
                    spec = spec.WithGuarantee(chosen == "exactly-once" ? ProcessingGuarantee.ExactlyOnce : ProcessingGuarantee.AtLeastOnce);
                if (spec.Aggregate.Guarantee == ProcessingGuarantee.ExactlyOnce && options.Broker == BrokerKind.Mock)
                {
                    Console.Error.WriteLine("exactly-once needs the native broker: librdkafka's mock shows aborted records to read_committed readers (use --broker native)");
                    return 2;
                }

                // With --json, stdout carries only the summary line; progress goes to stderr.
                var progress = options.Json ? Console.Error : Console.Out;
                var page = loaded.Model is { } model ? TopologyDiagram.Svg(model) : "";
                var summary = await new DemoRunner(options, progress) { TopologySvg = page }.RunAsync(spec, ct);
                if (options.Json)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(summary));
                }
                else
                {
                    Console.WriteLine();
                    Console.WriteLine($"events produced     {summary.Events:N0} ({summary.EventsPerSecond:N0}/s), {summary.Duplicates} duplicates, {summary.Malformed} malformed");
                    Console.WriteLine($"agents              {summary.Agents:N0} simulated, {summary.LiveAgents:N0} live, {summary.RedisAgents:N0} in Redis");
                    Console.WriteLine($"dead-lettered       {summary.DeadLettered}");
                    Console.WriteLine($"end-to-end latency  p50 {summary.E2eLatencyMs.P50} ms, p99 {summary.E2eLatencyMs.P99} ms, max {summary.E2eLatencyMs.Max} ms ({summary.E2eLatencyMs.Samples:N0} writes)");
                    Console.WriteLine($"mismatches          {summary.Mismatches}");
                    foreach (var sample in summary.MismatchSamples) Console.WriteLine($"  {sample}");
                    Console.WriteLine($"count mismatches    {summary.CountMismatches}");
                    foreach (var sample in summary.CountMismatchSamples) Console.WriteLine($"  {sample}");
                    Console.WriteLine($"window mismatches   {summary.WindowMismatches}");
                    foreach (var sample in summary.WindowMismatchSamples) Console.WriteLine($"  {sample}");
                }
                var ok = summary.Mismatches == 0 && summary.CountMismatches == 0 && summary.WindowMismatches == 0
                    && summary.RedisAgents == summary.LiveAgents && summary.DeadLettered == summary.Malformed;
                return ok ? 0 : 1;
            }
        });
        return command;
    }

    /// <summary>The topology <c>--scenario repartition</c> migrates to unless <c>--migrate-to</c> names another.</summary>
    public const string RepartitionTopology = "topologies/agent-state-p12.yaml";

    private static async Task<int> RunRepartitionAsync(RepartitionOptions options, string oldFile, string newFile, bool json,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (options.Agents < 1 || options.Rate < 1 || options.Duration < TimeSpan.FromSeconds(8))
        {
            error.WriteLine("demo: --agents and --rate must be positive and --duration at least 8s for the repartition scenario");
            return 2;
        }
        var old = TopologyLoader.Load(TopologyFiles.Resolve(oldFile));
        var @new = TopologyLoader.Load(TopologyFiles.Resolve(newFile));
        foreach (var diagnostic in old.Diagnostics.Concat(@new.Diagnostics))
            error.WriteLine(diagnostic);
        if (old.Spec is null || @new.Spec is null)
            return 2;
        var summary = await new RepartitionScenario(options, json ? error : output).RunAsync(old.Spec, @new.Spec, ct);
        var exact = summary.Mismatches == 0 && summary.ReaderRegressions == 0 && summary.ReaderMissing == 0;
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                mismatches = summary.Mismatches, partitionsBefore = summary.PartitionsBefore, partitionsAfter = summary.PartitionsAfter,
                readerRegressions = summary.ReaderRegressions, readerMissing = summary.ReaderMissing,
                migrationSeconds = summary.MigrationSeconds, maxLagMs = summary.MaxLagMs,
            }));
            foreach (var sample in summary.Samples) error.WriteLine("  " + sample);
            return exact ? 0 : 1;
        }
        output.WriteLine();
        output.WriteLine($"partitions    {summary.PartitionsBefore} -> {summary.PartitionsAfter} in {summary.MigrationSeconds:F1} s under {summary.Events:N0} events");
        output.WriteLine($"reader        {summary.ReaderReads:N0} reads: {summary.ReaderRegressions} regressions, {summary.ReaderMissing} missing");
        output.WriteLine($"max lag       {summary.MaxLagMs} ms from a source event to Redis applying its state");
        foreach (var sample in summary.Samples) output.WriteLine("  " + sample);
        output.WriteLine(exact ? "check         ok: Redis exact, no reader saw an agent go back or disappear" : $"check         FAILED: {summary.Mismatches} mismatches");
        return exact ? 0 : 1;
    }

    /// <summary>The topology <c>--scenario provisioning</c> runs unless <c>--topology</c> names another.</summary>
    public const string ProvisioningTopology = "topologies/examples/provisioning.yaml";

    private static async Task<int> RunProvisioningAsync(ProvisioningScenarioOptions options, string topologyFile, bool json,
        TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (options.Agents < 1 || options.Rate < 1 || options.Service.FailureRate is < 0 or >= 1 || options.Workers.Concurrency < 1)
        {
            error.WriteLine("--agents, --rate and --workers must be positive and --failure-rate within [0, 1)");
            return 2;
        }
        var loaded = TopologyLoader.Load(TopologyFiles.Resolve(topologyFile));
        foreach (var diagnostic in loaded.Diagnostics)
            error.WriteLine(diagnostic);
        if (loaded.Spec is null)
            return 2;
        var progress = json ? error : output;
        if (!loaded.Spec.QueueStages.Any(q => q.Http is not null))
        {
            error.WriteLine($"demo: {topologyFile} has no queue stage with an http effect; the provisioning scenario runs {ProvisioningTopology}");
            return 2;
        }
        var summary = await new ProvisioningScenario(options, progress).RunAsync(loaded.Spec, ct);
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(summary));
        }
        else
        {
            output.WriteLine();
            output.WriteLine($"agents        {summary.Agents:N0} ({summary.Jobs:N0} jobs queued) in {summary.Seconds:F1} s");
            output.WriteLine($"provisioned   {summary.Provisioned:N0} at the service; {summary.Duplicates} duplicates, {summary.Missing} missing, {summary.Extra} extra");
            output.WriteLine($"calls         {summary.Calls:N0} ({summary.Conflicts:N0} refused as already applied), {summary.Retries:N0} retries, {summary.Dead} dead, {summary.Reaped} reaped");
            output.WriteLine($"max lag       {summary.MaxLagMs} ms from a source event to its stage's acknowledged write");
            output.WriteLine(summary.Exact ? "check         ok: every agent provisioned exactly once" : "check         FAILED");
        }
        return summary.Exact ? 0 : 1;
    }
}
