using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContactCenter.Processor.Feed;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Testing;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using HdrHistogram;
using Microsoft.Extensions.Logging;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Bench.Feed;

/// <summary>
/// <c>bench feed [--quick]</c>: the agent feed on a whole pipeline in this process (native embedded broker, embedded
/// Garnet, both stages, the pod's web host) with real HTTP clients.
/// 1. Push latency: 100 SSE clients, traffic at 2,000 events/s; for each SSE event a client's handler receives, the time
///    from the writer seeing Redis's acknowledgement (the event's <c>ack</c>) to the handler: p50/p99 over every client.
/// 2. Throughput with 1,000 connected clients (in a second process) vs none: the same burst of events produced as fast
///    as possible, applied records/s by the state stage, and the same at 2,000 events/s; the ratios (1,000 / 0) in one run.
/// Progress on stderr; the last stdout line is JSON.
/// </summary>
internal static class FeedBenchCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var latencySeconds = quick ? 20 : 60;
        var burst = quick ? 30_000 : 100_000;
        var rateSeconds = quick ? 15 : 60;
        const int latencyClients = 100, manyClients = 1000, rate = 2000, agents = 1000;

        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        using var garnet = EmbeddedGarnet.Start();
        var loaded = TopologyLoader.Load(Path.Combine(RepoRoot(), "topologies", "agent-state.yaml"));
        var spec = loaded.Spec!;
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
        var stateDir = Directory.CreateTempSubdirectory("cc-bench-feed-").FullName;
        using var logs = Logs.Create(LogLevel.Warning, LogLevel.Error);
        await using var pipeline = new PipelineHost(spec, logs);
        await pipeline.StartAsync(new KafkaClientSettings(broker.BootstrapServers), broker.Provisioner, redis,
            AggregateStores.Create(StoreKind.Faster, spec.Aggregate.StoreName, AggregateStoreOptions.For(stateDir)), stateDir, CancellationToken.None);
        var status = new PodStatus(pipeline, new ReadinessOptions()) { Redis = redis };
        using var metrics = new PodMetrics(status);
        await using var feed = new AgentFeed(spec.State, () => redis, logs.CreateLogger("Feed"));
        feed.Attach(pipeline.State, redis);
        await using var web = await PodWeb.StartAsync(0, status, LogLevel.Warning, new PodDashboard.Parts(feed, "", () => metrics));
        var url = PodWeb.BaseUrl(web) + AgentStreamEndpoint.Path;
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
        var simulation = new AgentSimulation(agents, seed: 7);
        var topics = spec.Aggregate.Sources.ToDictionary(s => s.Name, s => s.Topic);
        void Produce()
        {
            var ev = simulation.Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            producer.Produce(topics[ev.Source], new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes(ev.Event.AgentId),
                Value = EventSerde.Serialize(ev.Event),
                Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(ev.Op) } },
            });
        }
        for (var i = 0; i < agents * 3; i++) Produce(); // every agent exists before clients connect
        producer.Flush();
        await WaitAppliedAsync(pipeline, agents * 2, TimeSpan.FromMinutes(2));

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };

        // 1. Latency: 100 clients parse every event, traffic at 2,000/s.
        var latency = new LongHistogram(60_000_000, 3); // microseconds
        var latencyLock = new object();
        long events = 0;
        using (var stop = new CancellationTokenSource())
        {
            var readers = await ConnectAsync(http, url, latencyClients, stop.Token, (data) =>
            {
                // The handler reads the event's first property (ack) only: a browser on another machine does its own
                // parsing on its own CPU, while these 100 clients share the pod's 2 cores.
                var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(data.Length > 64 ? data[..64] : data), isFinalBlock: false, state: default);
                reader.Read(); reader.Read(); reader.Read();
                var micros = (long)((StateChangePublisher.UnixMsNow() - reader.GetDouble()) * 1000);
                lock (latencyLock) latency.RecordValue(Math.Clamp(micros, 0, latency.HighestTrackableValue));
                Interlocked.Increment(ref events);
            });
            Console.Error.WriteLine($"latency: {latencyClients} clients connected; producing {rate}/s for {latencySeconds}s");
            lock (latencyLock) latency.Reset();
            await ProduceAtRateAsync(Produce, producer, rate, TimeSpan.FromSeconds(latencySeconds));
            await Task.Delay(1000);
            await stop.CancelAsync();
            await Task.WhenAll(readers);
        }
        double P(double q) { lock (latencyLock) return latency.TotalCount == 0 ? 0 : latency.GetValueAtPercentile(q) / 1000.0; }
        var (p50, p99, max) = (P(50), P(99), P(100));
        Console.Error.WriteLine($"latency: {latency.TotalCount:N0} SSE events received; ack -> handler p50 {p50:F1} ms, p99 {p99:F1} ms, max {max:F1} ms; dropped {feed.Dropped}");

        // 2. Throughput of a burst with no client, then with 1,000 connected clients.
        var alone = await BurstAsync(Produce, producer, pipeline, burst);
        Console.Error.WriteLine($"throughput, 0 clients: {alone:N0} applied/s");
        var aloneAtRate = await AtRateAsync(Produce, producer, pipeline, rate, TimeSpan.FromSeconds(rateSeconds));
        Console.Error.WriteLine($"at {rate}/s, 0 clients: {aloneAtRate:N0} applied/s");
        // The 1,000 clients run in a second process (the same binary, verb feed-clients), as browsers would elsewhere:
        // they still share the machine's 2 cores, but not the pod's thread pool and GC.
        using var clients = Process.Start(new ProcessStartInfo(Environment.ProcessPath!, [typeof(FeedBenchCommand).Assembly.Location, "feed-clients", url, manyClients.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        })!;
        var ready = await clients.StandardOutput.ReadLineAsync();
        Console.Error.WriteLine($"throughput: {ready}; the pod serves {feed.Clients}");
        var crowded = await BurstAsync(Produce, producer, pipeline, burst);
        var crowdedAtRate = await AtRateAsync(Produce, producer, pipeline, rate, TimeSpan.FromSeconds(rateSeconds));
        Console.Error.WriteLine($"at {rate}/s, {manyClients} clients: {crowdedAtRate:N0} applied/s");
        var connected = feed.Clients;
        string? streamed;
        try
        {
            await clients.StandardInput.WriteLineAsync("stop");
            streamed = await clients.StandardOutput.ReadLineAsync();
        }
        catch (IOException)
        {
            streamed = "the client process had already exited";
        }
        await clients.WaitForExitAsync();
        streamed += $" (exit code {clients.ExitCode})";
        Console.Error.WriteLine($"throughput, {manyClients} clients: {crowded:N0} applied/s ({connected} still connected at the end, {feed.Dropped} dropped in all; clients: {streamed})");
        var ratio = crowded / alone;
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        try { Directory.Delete(stateDir, true); } catch (IOException) { }
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "feed",
            ["quick"] = quick,
            ["latency_clients"] = latencyClients,
            ["rate_events_per_s"] = rate,
            ["latency_sse_events"] = latency.TotalCount,
            ["push_p50_ms"] = Math.Round(p50, 2),
            ["push_p99_ms"] = Math.Round(p99, 2),
            ["push_max_ms"] = Math.Round(max, 2),
            ["throughput_0_clients"] = Math.Round(alone),
            ["throughput_1000_clients"] = Math.Round(crowded),
            ["throughput_ratio"] = Math.Round(ratio, 3),
            ["at_rate_0_clients"] = Math.Round(aloneAtRate),
            ["at_rate_1000_clients"] = Math.Round(crowdedAtRate),
            ["at_rate_ratio"] = Math.Round(crowdedAtRate / aloneAtRate, 3),
            ["clients_dropped"] = feed.Dropped,
            ["loadavg_1m"] = double.Parse(load, CultureInfo.InvariantCulture),
        }));
        return p99 <= 50 && ratio >= 0.9 ? 0 : 1;
    }

    /// <summary><c>feed-clients URL N</c>: opens N streams, prints <c>connected N</c>, reads them until a line arrives
    /// on stdin, then prints how much it read.</summary>
    public static async Task<int> RunClientsAsync(string[] args)
    {
        var url = args[0];
        var count = int.Parse(args[1], CultureInfo.InvariantCulture);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        long bytes = 0;
        using var stop = new CancellationTokenSource();
        var readers = await ConnectAsync(http, url, count, stop.Token, null, n => Interlocked.Add(ref bytes, n));
        Console.WriteLine($"connected {count}");
        await Console.In.ReadLineAsync();
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Console.WriteLine($"{count} clients read {Interlocked.Read(ref bytes) / 1e6:F1} MB");
        return 0;
    }

    /// <summary>Opens <paramref name="count"/> streams (each waits for its snapshot) and reads them until <paramref name="ct"/>.</summary>
    private static async Task<List<Task>> ConnectAsync(HttpClient http, string url, int count, CancellationToken ct, Action<string>? onChanges, Action<long>? onBytes = null)
    {
        var readers = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"stream refused: {response.StatusCode}");
            var body = await response.Content.ReadAsStreamAsync(ct);
            readers.Add(Task.Run(async () =>
            {
                try
                {
                    if (onChanges is null)
                    {
                        var buffer = new byte[16 * 1024];
                        int n;
                        while ((n = await body.ReadAsync(buffer, ct)) > 0) onBytes?.Invoke(n);
                        return;
                    }
                    await foreach (var e in ServerSentEvents.ReadAsync(body, null, ct))
                    {
                        if (e.Event == "changes") onChanges(e.Data);
                    }
                }
                catch (OperationCanceledException) { }
                catch (IOException) { }
                finally { response.Dispose(); }
            }, CancellationToken.None));
        }
        return readers;
    }

    /// <summary>Produces at <paramref name="rate"/>/s for <paramref name="duration"/>; returns how many it produced.</summary>
    private static async Task<long> ProduceAtRateAsync(Action produce, IProducer<byte[]?, byte[]?> producer, int rate, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (clock.Elapsed < duration)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * rate);
            for (; sent < due; sent++) produce();
            await Task.Delay(5);
        }
        producer.Flush();
        return sent;
    }

    /// <summary>Produces at <paramref name="rate"/>/s for <paramref name="duration"/>; applied records/s from the first produce
    /// until the state stage consumed them all (a pod that cannot keep up shows it as a lower rate).</summary>
    private static async Task<double> AtRateAsync(Action produce, IProducer<byte[]?, byte[]?> producer, PipelineHost pipeline, int rate, TimeSpan duration)
    {
        var before = pipeline.Aggregate.Counters.Consumed;
        var clock = Stopwatch.StartNew();
        var count = await ProduceAtRateAsync(produce, producer, rate, duration);
        await WaitConsumedAsync(pipeline, before + count, TimeSpan.FromMinutes(5));
        await pipeline.State.FlushAsync(CancellationToken.None);
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Produces <paramref name="count"/> events as fast as possible; applied records/s from first produce to all applied.</summary>
    private static async Task<double> BurstAsync(Action produce, IProducer<byte[]?, byte[]?> producer, PipelineHost pipeline, int count)
    {
        var before = pipeline.Aggregate.Counters.Consumed;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) produce();
        producer.Flush();
        await WaitConsumedAsync(pipeline, before + count, TimeSpan.FromMinutes(5));
        await pipeline.State.FlushAsync(CancellationToken.None);
        return count / clock.Elapsed.TotalSeconds;
    }

    private static async Task WaitAppliedAsync(PipelineHost pipeline, long applied, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (pipeline.State.Counters.Applied < applied && deadline.Elapsed < timeout) await Task.Delay(50);
    }

    /// <summary>Waits until the aggregate stage consumed <paramref name="events"/> source events in all and the state stage
    /// has consumed what the aggregate stage emitted (an event that changes nothing emits nothing, so the state stage's
    /// count is not a target: it is done when its input is, i.e. when it stops growing with the aggregate stage done).</summary>
    private static async Task WaitConsumedAsync(PipelineHost pipeline, long events, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (pipeline.Aggregate.Counters.Consumed < events && deadline.Elapsed < timeout) await Task.Delay(10);
        var last = -1L;
        while (pipeline.State.Counters.Consumed != last && deadline.Elapsed < timeout)
        {
            last = pipeline.State.Counters.Consumed;
            await Task.Delay(50);
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ContactCenter.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository");
    }
}
