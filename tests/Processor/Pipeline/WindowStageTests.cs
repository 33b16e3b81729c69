using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Stages;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// The calls-started window of <c>topologies/agent-state.yaml</c> on the embedded broker and Garnet: aggregates carrying
/// call-state transitions are produced with chosen event times; the window hashes in Redis must hold exactly the calls
/// started per tenant and window, a record later than its window's end plus grace is dead-lettered with the reason, a
/// restart restores the store from its changelog, and records read again after a crash (no commit) count nothing twice.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class WindowStageTests : IDisposable
{
    private static readonly long Minute = 60_000;
    private static readonly long W0 = 1_733_500_800_000; // a multiple of 15 minutes
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-windows-").FullName;
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Microsoft.Extensions.Logging.ILoggerFactory _logs;

    public WindowStageTests(Xunit.Abstractions.ITestOutputHelper output) =>
        _logs = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(new OutputLogs(output)).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information));

    /// <summary>The hosts' log lines in the test's output (what happened when a count is off).</summary>
    private sealed class OutputLogs(Xunit.Abstractions.ITestOutputHelper output) : Microsoft.Extensions.Logging.ILoggerProvider
    {
        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(output, categoryName);

        public void Dispose() { }

        private sealed class Logger(Xunit.Abstractions.ITestOutputHelper output, string category) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                try { output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}"); }
                catch (InvalidOperationException) { /* after the test ended */ }
            }
        }
    }

    [Fact]
    public async Task Counts_land_exactly_late_records_are_dead_lettered_and_restarts_and_replays_count_nothing_twice()
    {
        using var broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
        var pipeline = TopologyLoader.Load(Repo.AgentState).Spec!;
        var spec = pipeline.Windows.Single();
        await PipelineHost.ProvisionTopicsAsync(pipeline, broker.Provisioner, CancellationToken.None);
        var kafka = broker.ClientSettings("windows-test");
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer("test")).Build();
        var db = redis.GetDatabase();

        // Window 0: acme starts calls 1 and 2, globex call 3; a-1's aggregate is re-published for a presence change while
        // call 1 still rings (not a new call), and a-2 talks (not a start).
        await Produce(producer, "a-1", "acme", "ringing", "call-1", W0 + 1 * Minute);
        await Produce(producer, "a-1", "acme", "ringing", "call-1", W0 + 2 * Minute);
        await Produce(producer, "a-2", "acme", "ringing", "call-2", W0 + 3 * Minute);
        await Produce(producer, "a-2", "acme", "talking", "call-2", W0 + 4 * Minute);
        await Produce(producer, "a-3", "globex", "ringing", "call-3", W0 + 14 * Minute);
        var expected = new Dictionary<string, long> { [Key("acme", W0)] = 2, [Key("globex", W0)] = 1 };

        var host1 = await StartAsync(spec, kafka, redis, "pod-1");
        await WaitForAsync(db, expected);

        // A record of window 0 within grace (stream time 14m, window 0 closes at 16m) still counts.
        await Produce(producer, "a-4", "globex", "ringing", "call-4", W0 + 5 * Minute);
        expected[Key("globex", W0)] = 2;
        // Window 1 moves the stream time to 17m: window 0 is closed from now on.
        await Produce(producer, "a-1", "acme", "ringing", "call-5", W0 + 17 * Minute);
        expected[Key("acme", W0 + 15 * Minute)] = 1;
        await WaitForAsync(db, expected);
        // a-5's call started at 6m but arrives after window 0 closed (on a partition whose stream time is past it).
        var late = LatePartnerOf("a-1", spec.InputPartitions);
        await Produce(producer, late, "acme", "ringing", "call-6", W0 + 6 * Minute);
        var reason = await DeadLetterReasonAsync(kafka, pipeline, late);
        Assert.StartsWith("late-record: window calls-started [", reason);
        await Produce(producer, "a-2", "acme", "ringing", "call-7", W0 + 18 * Minute);
        expected[Key("acme", W0 + 15 * Minute)] = 2;
        await WaitForAsync(db, expected);
        Assert.True(host1.DeadLettered >= 1);

        // Restart on an empty state directory: the store comes back from its changelog and counting goes on exactly.
        await host1.DisposeAsync();
        var host2 = await StartAsync(spec, kafka, redis, "pod-2");
        Assert.Equal(expected.Values.Sum(), host2.Windows().Sum(w => w.Count));
        await Produce(producer, "a-3", "globex", "ringing", "call-8", W0 + 19 * Minute);
        expected[Key("globex", W0 + 15 * Minute)] = 1;
        await WaitForAsync(db, expected);

        // A crash after the Redis writes, before the commit: everything since the last commit is read again by the next
        // owner, which restores the store (ahead of the commit) and must re-emit, not recount.
        host2.SkipCommits = true;
        await Produce(producer, "a-2", "acme", "ringing", "call-9", W0 + 20 * Minute);
        await Produce(producer, "a-4", "globex", "ringing", "call-10", W0 + 21 * Minute);
        expected[Key("acme", W0 + 15 * Minute)] = 3;
        expected[Key("globex", W0 + 15 * Minute)] = 2;
        await WaitForAsync(db, expected);
        await host2.DisposeAsync();
        var host3 = await StartAsync(spec, kafka, redis, "pod-3");
        await WaitUntilAsync(() => host3.Counters.Consumed >= 2, "the redelivered records were not read again");
        await Produce(producer, "a-1", "acme", "ringing", "call-11", W0 + 22 * Minute);
        expected[Key("acme", W0 + 15 * Minute)] = 4;
        await WaitForAsync(db, expected);
        Assert.Equal(expected.Values.Sum(), host3.Windows().Sum(w => w.Count));
        // Every hash has its TTL.
        foreach (var key in expected.Keys)
            Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromMinutes(100), spec.Ttl);
        await host3.DisposeAsync();
    }

    /// <summary>Redis emptied under a running window stage (no more calls in the window): the stage writes its windows
    /// again from its store, each count exact, with a TTL.</summary>
    [Fact]
    public async Task Window_hashes_Redis_lost_come_back_exact_from_the_store()
    {
        using var broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint, o => o.AllowAdmin = true);
        var pipeline = TopologyLoader.Load(Repo.AgentState).Spec!;
        var spec = pipeline.Windows.Single();
        await PipelineHost.ProvisionTopicsAsync(pipeline, broker.Provisioner, CancellationToken.None);
        var kafka = broker.ClientSettings("windows-loss-test");
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer("test")).Build();
        var db = redis.GetDatabase();
        // Event times of now: windows a reader still reads (older ones are left to their TTL).
        var size = (long)spec.Size.TotalMilliseconds;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var start = now - now % size;
        await Produce(producer, "a-1", "acme", "ringing", "call-1", start + 1);
        await Produce(producer, "a-2", "acme", "ringing", "call-2", start + 2);
        await Produce(producer, "a-3", "globex", "ringing", "call-3", start + 3);
        var expected = new Dictionary<string, long> { [Key("acme", start)] = 2, [Key("globex", start)] = 1 };
        var host = new WindowStageHost(spec, kafka, redis, _logs, new StageHealth(NullLogger.Instance), Path.Combine(_dir, "pod-1"))
        {
            ReassertInterval = TimeSpan.FromMilliseconds(500),
        };
        await host.StartAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        await WaitForAsync(db, expected);
        Assert.Equal(0, host.WindowsRepaired); // intact hashes: re-asserting them changed nothing

        await redis.GetServers().Single().FlushAllDatabasesAsync();
        await WaitForAsync(db, expected);
        // The hashes can be read back a moment before the stage has counted its repair (the count follows the reply).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (host.WindowsRepaired < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(host.WindowsRepaired >= 2, $"{host.WindowsRepaired} shares repaired");
        foreach (var key in expected.Keys)
            Assert.True((await db.KeyTimeToLiveAsync(key)) is { } ttl && ttl > TimeSpan.Zero && ttl <= spec.Ttl, $"{key} has no TTL");
        await host.DisposeAsync();
    }

    private static string Key(string tenant, long start) => $"cc:window:calls-started:{tenant}:{start}";

    /// <summary>An agent id on the same partition as <paramref name="agent"/> (whose stream time is known to be 17m).</summary>
    private static string LatePartnerOf(string agent, int partitions)
    {
        var target = KeyPartition.Of(Encoding.ASCII.GetBytes(agent), partitions);
        for (var i = 0; ; i++)
        {
            var candidate = $"late-{i}";
            if (KeyPartition.Of(Encoding.ASCII.GetBytes(candidate), partitions) == target) return candidate;
        }
    }

    private async Task<WindowStageHost> StartAsync(WindowStageSpec spec, ContactCenter.Processor.Kafka.KafkaClientSettings kafka, IConnectionMultiplexer redis, string pod)
    {
        var host = new WindowStageHost(spec, kafka, redis, _logs, new StageHealth(NullLogger.Instance), Path.Combine(_dir, pod));
        await host.StartAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    private async Task Produce(IProducer<byte[]?, byte[]?> producer, string agent, string tenant, string callState, string callId, long ts)
    {
        var version = _versions[agent] = _versions.GetValueOrDefault(agent) + 1;
        var aggregate = new UserAggregate(agent) { Timestamp = ts };
        var agentPart = aggregate.GetOrAdd("agent");
        agentPart.Version = 1;
        agentPart.Timestamp = ts;
        agentPart.Fields.Add(new("tenantId", tenant));
        var voice = aggregate.GetOrAdd("voice");
        voice.Version = version;
        voice.Timestamp = ts;
        voice.Fields.Add(new("callState", callState));
        voice.Fields.Add(new("currentCallId", callId));
        await producer.ProduceAsync("user-aggregate", new Message<byte[]?, byte[]?> { Key = Encoding.ASCII.GetBytes(agent), Value = AggregateCodec.Encode(aggregate) });
    }

    private static async Task WaitForAsync(IDatabase db, Dictionary<string, long> expected)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var actual = new Dictionary<string, long?>();
            foreach (var key in expected.Keys) actual[key] = await WindowHashWriter.ReadCountAsync(db, key);
            if (expected.All(e => actual[e.Key] == e.Value)) return;
            if (DateTime.UtcNow > until)
            {
                var hashes = new List<string>();
                foreach (var key in expected.Keys)
                    hashes.Add(key + " {" + string.Join(", ", (await db.HashGetAllAsync(key)).Select(h => $"{h.Name}={h.Value}")) + "}");
                Assert.Fail("window counts: " + string.Join(", ", expected.Select(e => $"{e.Key} expected {e.Value} got {actual[e.Key]?.ToString() ?? "none"}"))
                    + "\nhashes: " + string.Join("; ", hashes));
            }
            await Task.Delay(50);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string message)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail(message);
            await Task.Delay(50);
        }
    }

    private static async Task<string> DeadLetterReasonAsync(ContactCenter.Processor.Kafka.KafkaClientSettings kafka, PipelineSpec pipeline, string key)
    {
        var config = kafka.Consumer("dlq-reader-" + Guid.NewGuid().ToString("N"));
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(pipeline.Windows.Single().DeadLetterTopic);
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            var result = await Task.Run(() => consumer.Consume(TimeSpan.FromMilliseconds(500)));
            if (result?.Message is { } m && m.Key is { } k && Encoding.ASCII.GetString(k) == key
                && m.Headers.TryGetLastBytes(EventHeaders.DeadLetterReason, out var reason))
                return Encoding.UTF8.GetString(reason);
        }
        Assert.Fail($"no dead letter for {key}");
        return string.Empty;
    }

    public void Dispose()
    {
        _logs.Dispose();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
