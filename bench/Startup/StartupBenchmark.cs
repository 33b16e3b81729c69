using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Stores.Snapshots;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;

namespace ContactCenter.Bench.Startup;

/// <summary>
/// <c>bench startup</c>: how fast a state-stage pod is ready, in one process and one run, on the embedded broker and
/// Garnet. N agents' aggregates are put on the derived topic (each written <c>--log-factor</c> times, so the log is
/// that much longer than the state), then:
/// <list type="number">
/// <item>full replay: a new group on an empty Redis reads the whole log (what the seed's pods did at every start);</item>
/// <item>snapshot-first start with Redis intact: start to ready (assigned, nothing left to read);</item>
/// <item>Redis emptied, start from a snapshot file + tail: start until every agent is back;</item>
/// <item>Redis emptied, no snapshot: start until the background rebuild from the topic is done.</item>
/// </list>
/// The last stdout line is the JSON summary with the ratios.
/// </summary>
internal static class StartupBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var agents = Option(args, "--agents", quick ? 20_000 : 100_000);
        var logFactor = Option(args, "--log-factor", 10);
        const int partitions = 24; // the mock keeps ~5 MiB per partition: spread the log (same count on both brokers)
        var load = Environment.ProcessorCount > 0 ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        Console.Error.WriteLine($"startup: {agents:N0} agents, log {logFactor}x the state, {partitions} partitions, load average {load}");

        var kind = args.Contains("mock") ? BrokerKind.Mock : LocalKafka.DefaultKind;
        using var broker = LocalKafka.Start(kind, 1);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint + ",allowAdmin=true");
        var spec = new StateStageSpec("agent-state", "bench.agent-state", "bench.user-aggregate", partitions, "cc:agent:{key}", [], "bench.dead-letter", []);
        var pipeline = new PipelineSpec("bench",
            new AggregateStageSpec("unused", "bench.unused", [new SourceSpec("s", "bench.s", partitions, "agent", true, [])], "unused", spec.InputTopic, partitions, "bench.dead-letter"),
            spec);
        broker.CreateTopic(spec.InputTopic, partitions);
        broker.CreateTopic(spec.DeadLetterTopic, 1);

        var clock = Stopwatch.StartNew();
        await ProduceAsync(broker.BootstrapServers, spec.InputTopic, agents, logFactor);
        Console.Error.WriteLine($"produced {agents * logFactor:N0} aggregate records in {clock.Elapsed.TotalSeconds:F1} s");
        var ends = EndOffsets(broker.BootstrapServers, spec.InputTopic, partitions);
        Func<Task<bool>> caughtUp = () => CaughtUpAsync(redis, ends);

        // 1. Full replay: a new group, an empty Redis.
        var replay = await TimeUntilAsync(pipeline, broker, redis, null, caughtUp);
        Console.Error.WriteLine($"full replay at start: {replay.Seconds:F2} s");

        // 2. Snapshot-first start, Redis intact (the group and Redis agree; nothing to read).
        var intact = await TimeUntilAsync(pipeline, broker, redis, null, caughtUp);
        Console.Error.WriteLine($"snapshot-first start, Redis intact: ready in {intact.Seconds:F2} s ({intact.JoinSeconds:F2} s of it joining the group)");

        var dir = Directory.CreateTempSubdirectory("cc-bench-snap-").FullName;
        var saveClock = Stopwatch.StartNew();
        var snapshotFile = Path.Combine(dir, RedisSnapshots.FileName(spec.Name));
        var saved = await RedisSnapshots.SaveAsync(redis, spec.Name, spec.KeyPattern, RedisKeyspace.OffsetsPrefix, snapshotFile);
        Console.Error.WriteLine($"snapshot saved: {saved:N0} records in {saveClock.Elapsed.TotalSeconds:F2} s");

        // 3. Redis emptied, snapshot file + tail.
        await FlushAsync(redis);
        var fromSnapshot = await TimeUntilAsync(pipeline, broker, redis, dir, async () => await caughtUp() && await AllAgentsAsync(redis, agents));
        Console.Error.WriteLine($"Redis empty, snapshot + tail: {fromSnapshot.Seconds:F2} s");

        // 4. Redis emptied, no snapshot: background rebuild from the topic.
        await FlushAsync(redis);
        var rebuild = await TimeUntilAsync(pipeline, broker, redis, null, async () => await caughtUp() && await AllAgentsAsync(redis, agents));
        Console.Error.WriteLine($"Redis empty, rebuild from the topic: {rebuild.Seconds:F2} s ({rebuild.RebuildRecords:N0} records read)");

        // The file load alone (what a pod does before it joins), on an emptied Redis.
        await FlushAsync(redis);
        var fileClock = Stopwatch.StartNew();
        await RedisSnapshots.LoadAsync(redis, spec.Name, spec.KeyPattern, RedisKeyspace.OffsetsPrefix, snapshotFile);
        var fileLoad = fileClock.Elapsed.TotalSeconds;
        Directory.Delete(dir, recursive: true);

        var summary = new
        {
            agents,
            logFactor,
            readySeconds = Math.Round(intact.Seconds, 3),
            snapshotLoadSeconds = Math.Round(fromSnapshot.Seconds, 3),
            rebuildSeconds = Math.Round(rebuild.Seconds, 3),
            rebuildRecordsPerSecond = Math.Round(rebuild.RebuildRecords / Math.Max(rebuild.Seconds, 0.001)),
            replaySeconds = Math.Round(replay.Seconds, 3),
            snapshotVsRebuild = Math.Round(rebuild.Seconds / Math.Max(fromSnapshot.Seconds, 0.001), 2),
            snapshotFirstVsReplay = Math.Round(replay.Seconds / Math.Max(intact.Seconds, 0.001), 2),
            // On the librdkafka mock every start waits for the group: these are the parts of each phase until the
            // partitions were assigned (the snapshot start loads its file before it joins).
            joinSeconds = new { ready = Math.Round(intact.JoinSeconds, 3), snapshot = Math.Round(fromSnapshot.JoinSeconds, 3), rebuild = Math.Round(rebuild.JoinSeconds, 3), replay = Math.Round(replay.JoinSeconds, 3) },
            snapshotFileLoadSeconds = Math.Round(fileLoad, 3),
            loadAverage = load,
            broker = kind.ToString().ToLowerInvariant(),
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(summary));
        return 0;
    }

    /// <param name="JoinSeconds">Of <paramref name="Seconds"/>, the part until the group assigned the partitions: on the
    /// librdkafka mock a new member of an emptied group waits out the session timeout, whatever the state.</param>
    private sealed record Timing(double Seconds, double JoinSeconds, long RebuildRecords);

    /// <summary>Starts a state-stage pod and times it from creation until <paramref name="done"/> holds; then stops it.</summary>
    private static async Task<Timing> TimeUntilAsync(PipelineSpec spec, LocalKafka broker, IConnectionMultiplexer redis, string? snapshots, Func<Task<bool>> done)
    {
        var state = Directory.CreateTempSubdirectory("cc-bench-state-").FullName;
        var clock = Stopwatch.StartNew();
        await using var host = new PipelineHost(spec) { SnapshotDirectory = snapshots };
        await host.StartAsync(new KafkaClientSettings(broker.BootstrapServers), null, redis, AggregateStores.Create(StoreKind.Memory, "unused"), state, CancellationToken.None, PipelineHost.Stages.State);
        var joined = clock.Elapsed.TotalSeconds;
        var until = DateTime.UtcNow.AddMinutes(10);
        while (!await done() || host.State.Recovery.IsRebuilding)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("the pod did not get ready within 10 minutes");
            await Task.Delay(20);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        await host.State.FlushAsync(CancellationToken.None);
        return new Timing(seconds, joined, host.State.Recovery.Rebuilds.Sum(r => r.Read));
    }

    private static async Task<bool> AllAgentsAsync(IConnectionMultiplexer redis, int agents)
    {
        // The last agent of the last round is written last on its partition; sample a few across the key space.
        var db = redis.GetDatabase();
        for (var i = agents - 1; i >= 0; i -= Math.Max(1, agents / 50))
        {
            if (!await db.KeyExistsAsync($"cc:agent:a{i}")) return false;
        }
        var offsets = await RedisStateReader.ReadOffsetsAsync(db, "agent-state", RedisKeyspace.OffsetsPrefix);
        return offsets.Count > 0;
    }

    /// <summary>Per partition, the offset of the last record on it.</summary>
    private static Dictionary<int, long> EndOffsets(string bootstrap, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(KafkaClientDefaults.Consumer(bootstrap, "bench.watermarks")).Build();
        return Enumerable.Range(0, partitions)
            .Select(p => (p, High: consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(30)).High.Value))
            .Where(e => e.High > 0)
            .ToDictionary(e => e.p, e => e.High - 1);
    }

    /// <summary>Redis recorded, for every partition, the offset of its last record.</summary>
    private static async Task<bool> CaughtUpAsync(IConnectionMultiplexer redis, Dictionary<int, long> ends)
    {
        var offsets = await RedisStateReader.ReadOffsetsAsync(redis.GetDatabase(), "agent-state", RedisKeyspace.OffsetsPrefix);
        return ends.All(e => offsets.TryGetValue(e.Key, out var o) && o >= e.Value);
    }

    private static async Task FlushAsync(IConnectionMultiplexer redis) => await redis.GetServer(redis.GetEndPoints()[0]).FlushAllDatabasesAsync();

    private static async Task ProduceAsync(string bootstrap, string topic, int agents, int logFactor)
    {
        var config = KafkaClientDefaults.Producer(bootstrap);
        config.LingerMs = 5;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        for (var round = 1; round <= logFactor; round++)
        {
            for (var i = 0; i < agents; i++)
            {
                var aggregate = new UserAggregate($"a{i}") { Timestamp = 1_000 + round };
                var part = aggregate.GetOrAdd("agent");
                part.Version = round;
                part.Timestamp = 1_000 + round;
                part.Fields.Add(new("name", $"Agent {i}"));
                part.Fields.Add(new("status", round % 2 == 0 ? "READY" : "BUSY"));
                while (true)
                {
                    try
                    {
                        producer.Produce(topic, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes($"a{i}"), Value = AggregateCodec.Encode(aggregate) });
                        break;
                    }
                    catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(50));
                    }
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(5));
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : fallback;
    }
}
