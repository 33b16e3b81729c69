using System.CommandLine;
using System.Text.Json;
using ContactCenter.Processor.Demo;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores;
using ContactCenter.Topology.Files;

namespace ContactCenter.Processor.Cli;

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
        var topology = new Option<string>("--topology") { Description = "Topology file the pipeline runs.", DefaultValueFactory = _ => "topologies/agent-state.yaml" };
        var store = new Option<StoreKind>("--store") { Description = "Aggregate store: faster, rocksdb or memory.", DefaultValueFactory = _ => StoreKind.Faster };
        var json = new Option<bool>("--json") { Description = "Print the summary as one JSON object on the last line." };
        var broker = new Option<BrokerKind>("--broker")
        {
            Description = "Embedded broker: native (the Kafka-protocol broker in this process) or mock (librdkafka's mock cluster).",
            DefaultValueFactory = _ => EmbeddedKafka.DefaultKind,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the traffic simulation.", DefaultValueFactory = _ => 42 };
        var chaos = new Option<string>("--chaos")
        {
            Description = "Fault injected halfway through the traffic: none or redis-loss (Redis loses everything; the run must still end exact).",
            DefaultValueFactory = _ => "none",
        };
        chaos.AcceptOnlyFromAmong("none", "redis-loss");
        var httpPort = new Option<int>("--http-port") { Description = "Port of /healthz, /readyz and /metrics while the demo runs (any free port when taken; 0 = any).", DefaultValueFactory = _ => 8080 };

        var command = new Command("demo", "Run the agent pipeline on an embedded broker and Redis with simulated contact-center traffic, then verify Redis.")
        {
            agents, duration, rate, redis, topology, store, json, seed, chaos, httpPort, broker,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new DemoOptions
            {
                Agents = parse.GetValue(agents),
                Duration = parse.GetValue(duration),
                Rate = parse.GetValue(rate),
                Redis = parse.GetValue(redis),
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

            // With --json, stdout carries only the summary line; progress goes to stderr.
            var progress = options.Json ? Console.Error : Console.Out;
            var page = loaded.Model is { } model ? TopologyDiagram.Svg(model) : "";
            var summary = await new DemoRunner(options, progress) { TopologySvg = page }.RunAsync(loaded.Spec, ct);
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
            }
            var ok = summary.Mismatches == 0 && summary.RedisAgents == summary.LiveAgents && summary.DeadLettered == summary.Malformed;
            return ok ? 0 : 1;
        });
        return command;
    }
}
