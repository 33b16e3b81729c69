using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Feed;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using HdrHistogram;
using StackExchange.Redis;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Sandbox.Demo;

/// <summary>
/// The demo: embedded broker, embedded Garnet (or a given Redis), both stages of the topology, and simulated
/// contact-center traffic; then it checks that Redis holds exactly what the simulation expects.
/// </summary>
internal sealed class DemoRunner
{
    private readonly DemoOptions _options;
    private readonly TextWriter _progress;
    private readonly LongHistogram _latency = new(TimeSpan.FromMinutes(5).Ticks / TimeSpan.TicksPerMillisecond, 3);
    private readonly LongHistogram _window = new(TimeSpan.FromMinutes(5).Ticks / TimeSpan.TicksPerMillisecond, 3);
    private readonly object _latencyLock = new();
    private long _measureFromMs = long.MaxValue;
    private long _produced;
    private long _produceErrors;
    private long _malformed;
    private long _duplicates;

    public DemoRunner(DemoOptions options, TextWriter progress)
    {
        _options = options;
        _progress = TextWriter.Synchronized(progress);
    }

    /// <summary>The topology picture the demo's page shows.</summary>
    public string TopologySvg { get; init; } = "";

    public async Task<DemoSummary> RunAsync(PipelineSpec spec, CancellationToken ct)
    {
        spec = DemoCounts.WithCounts(spec);
        using var broker = LocalKafka.Start(_options.Broker, 1);
        using var garnet = _options.Redis is null ? EmbeddedGarnet.Start() : null;
        var redisEndpoint = _options.Redis ?? garnet!.Endpoint;
        _progress.WriteLine($"broker {broker.BootstrapServers} ({broker.Description}); redis {redisEndpoint} ({(garnet is null ? "external" : "embedded Garnet")}); store {_options.Store}");

        using var redis = await RedisConnector.ConnectAsync(redisEndpoint);
        var stateDir = Path.Combine(Path.GetTempPath(), "contactcenter-demo", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(stateDir);
        try
        {
            // The demo runs a pod through the pod's own composition root (PodHost), as `contactcenter run` does; only the
            // cluster is the sandbox's. Topics are created here because librdkafka's mock has no CreateTopics.
            await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, ct);
            var podOptions = new PodOptions
            {
                Topology = spec.Name,
                Stages = PipelineHost.Stages.All,
                Store = _options.Store,
                StateDir = stateDir,
                CreateTopics = false,
                Kafka = { BootstrapServers = broker.BootstrapServers },
                Redis = { Endpoint = redisEndpoint },
                Http = { Port = _options.HttpPort },
            };
            var kafka = broker.ClientSettings("demo");
            var started = Stopwatch.StartNew();
            // Streamiz warns about its task checkpoints while the demo tears its temporary state down: errors only.
            await using var host = await PodHost.StartAsync(podOptions, kafka, spec, TopologySvg, new PodHostOptions
            {
                MinimumLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
                StreamizMinimumLevel = Microsoft.Extensions.Logging.LogLevel.Error,
                AnyPortWhenTaken = true,
            });
            var pipeline = host.Pod.Pipeline;
            if (await Task.WhenAny(host.Pod.Started, pipeline.Health.Failure).WaitAsync(ct) == pipeline.Health.Failure)
                throw new InvalidOperationException(await pipeline.Health.Failure);
            _progress.WriteLine($"pipeline running after {started.Elapsed.TotalSeconds:F1}s");
            // GC pauses from here on: the traffic, not the start-up.
            using var gcPauses = new GcPauseRecorder();

            pipeline.State.Acknowledged += RecordLatency;
            _progress.WriteLine($"endpoints {host.BaseUrl} ({PodWeb.Healthz} {PodWeb.Readyz} {PodWeb.Metrics})");
            _progress.WriteLine($"page {host.BaseUrl}{PodDashboard.Page} (topology, live charts and agents while the traffic runs)");
            var simulation = new AgentSimulation(_options.Agents, _options.Seed);
            _windowTruth = new WindowTruth(spec.Windows, simulation);
            var run = Stopwatch.StartNew();
            // A stage that stops ends the demo at once, with its reason, instead of after a long settle.
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _ = pipeline.Health.Failure.ContinueWith(_ => failed.Cancel(), TaskScheduler.Default);
            var chaos = InjectChaosAsync(redisEndpoint, run, failed.Token);
            try
            {
                await ProduceAsync(spec, broker.BootstrapServers, simulation, pipeline, failed.Token);
            }
            catch (OperationCanceledException) when (!pipeline.Health.IsHealthy)
            {
                throw new InvalidOperationException(await pipeline.Health.Failure);
            }
            var produceSeconds = run.Elapsed.TotalSeconds;

            var chaosAt = await chaos;
            var settle = Stopwatch.StartNew();
            var (mismatches, samples) = await SettleAsync(spec, simulation, redis, pipeline, ct);
            var (windowMismatches, windowSamples) = await SettleWindowsAsync(_windowTruth!, redis, ct);
            var recovery = pipeline.State.Recovery;
            ChaosSummary? chaosSummary = chaosAt is { } at
                ? new ChaosSummary("redis-loss", Math.Round(at, 1), recovery.LossesDetected, recovery.Rebuilds.Sum(r => r.Read),
                    Math.Round(recovery.Rebuilds.Sum(r => r.Elapsed.TotalSeconds), 2))
                : null;
            if (chaosSummary is not null)
                _progress.WriteLine($"chaos: {chaosSummary.LossesDetected} loss(es) detected; rebuilt from {chaosSummary.RebuildRecords:N0} records in {chaosSummary.RebuildSeconds:F2} s");
            var (countMismatches, countSamples, counted) = await DemoCounts.CompareAsync(spec, simulation, redis);
            var redisAgents = await CountAgentsAsync(spec, redis);
            var live = simulation.Agents.Count(a => ExpectedState.For(a, spec) is not null);

            LatencySummary latency;
            lock (_latencyLock)
            {
                latency = _latency.TotalCount == 0
                    ? new LatencySummary(0, 0, 0, 0)
                    : new LatencySummary(_latency.GetValueAtPercentile(50), _latency.GetValueAtPercentile(99), _latency.GetMaxValue(), _latency.TotalCount);
            }
            var events = Interlocked.Read(ref _produced);
            var deadLettered = pipeline.Aggregate.DeadLettered + pipeline.State.DeadLettered;
            await host.StopAsync();
            return new DemoSummary(
                events, _options.Agents, live, redisAgents, mismatches,
                Math.Round(events / Math.Max(produceSeconds, 0.001), 1), latency,
                Interlocked.Read(ref _malformed), deadLettered,
                Interlocked.Read(ref _duplicates), _options.Store.ToString().ToLowerInvariant(),
                garnet is null ? "external" : "garnet", Math.Round(settle.Elapsed.TotalSeconds, 2), samples)
            {
                Chaos = chaosSummary,
                Gc = gcPauses.Summary(),
                CountMismatches = countMismatches,
                CountMismatchSamples = countSamples,
                CountedAgents = counted,
                WindowMismatches = windowMismatches,
                WindowMismatchSamples = windowSamples,
                WindowsChecked = _windowTruth!.Windows,
                WindowCounts = _windowTruth.Calls,
            };
        }
        finally
        {
            try { Directory.Delete(stateDir, recursive: true); }
            catch (IOException) { /* best effort: a temp folder left behind is harmless */ }
        }
    }

    private WindowTruth? _windowTruth;

    /// <summary>Waits until every window in Redis equals the simulated truth (the window stages run behind the
    /// aggregate stage), at most 30 s; returns what still differs.</summary>
    private async Task<(int Mismatches, List<string> Samples)> SettleWindowsAsync(WindowTruth truth, IConnectionMultiplexer redis, CancellationToken ct)
    {
        foreach (var name in truth.Unchecked) _progress.WriteLine($"window {name}: not checked (the simulation counts call states per tenant only)");
        var until = Stopwatch.StartNew();
        while (true)
        {
            var (mismatches, samples) = await truth.CompareAsync(redis);
            if (mismatches == 0 || until.Elapsed > TimeSpan.FromSeconds(30)) return (mismatches, samples);
            await Task.Delay(250, ct);
        }
    }

    /// <summary>Halfway through the traffic, injects the chosen fault; returns when (seconds into the run) it did.</summary>
    private async Task<double?> InjectChaosAsync(string redisEndpoint, Stopwatch run, CancellationToken ct)
    {
        if (_options.Chaos == DemoChaos.None)
            return null;
        await Task.Delay(_options.Duration / 2, ct);
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redisEndpoint + ",allowAdmin=true");
        // Every primary (one server, or each shard of a Redis Cluster; replicas refuse writes and follow their primary).
        foreach (var server in admin.GetServers().Where(s => !s.IsReplica))
            await server.FlushAllDatabasesAsync();
        var at = run.Elapsed.TotalSeconds;
        _progress.WriteLine($"chaos: Redis lost everything (FLUSHALL) at {at:F1}s; the state stage must notice and rebuild while serving");
        return at;
    }

    private void RecordLatency(BatchAcknowledged batch)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_latencyLock)
        {
            foreach (var write in batch.Writes)
            {
                if (write.SourceTimestampMs <= 0) continue;
                var latency = Math.Max(0, now - write.SourceTimestampMs);
                _window.RecordValue(latency);
                // Events of the warm-up (JIT, first fetches, script loading) are checked but not timed.
                if (write.SourceTimestampMs >= _measureFromMs)
                    _latency.RecordValue(latency);
            }
        }
    }

    private async Task ProduceAsync(PipelineSpec spec, string bootstrap, AgentSimulation simulation, PipelineHost pipeline, CancellationToken ct)
    {
        var topics = spec.Aggregate.Sources.ToDictionary(s => s.Name, s => (s.Topic, s.OpHeader));
        foreach (var name in new[] { AgentSimulation.AgentSource, AgentSimulation.VoiceSource, AgentSimulation.FeatureSource })
        {
            if (!topics.ContainsKey(name))
                throw new InvalidOperationException($"the topology has no source named '{name}', which the demo's traffic needs");
        }
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(bootstrap)).Build();
        Action<DeliveryReport<byte[]?, byte[]?>> onDelivery = report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _produceErrors);
                _progress.WriteLine($"produce failed: {report.Error.Reason}");
            }
        };

        var clock = Stopwatch.StartNew();
        Interlocked.Exchange(ref _measureFromMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)_options.Warmup.TotalMilliseconds);
        var nextProgress = TimeSpan.FromSeconds(1);
        long sent = 0;
        var lastByAgent = new Dictionary<string, (string Topic, Message<byte[]?, byte[]?> Message)>();
        while (clock.Elapsed < _options.Duration)
        {
            ct.ThrowIfCancellationRequested();
            var due = (long)(clock.Elapsed.TotalSeconds * _options.Rate);
            while (sent < due)
            {
                sent++;
                var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                if (_options.MalformedEvery > 0 && sent % _options.MalformedEvery == 0)
                {
                    ProduceMalformed(producer, topics[AgentSimulation.AgentSource].Topic, sent, onDelivery);
                    continue;
                }
                var ev = simulation.Next(nowMs);
                _windowTruth?.Observe(ev);
                var (topic, opHeader) = topics[ev.Source];
                if (_options.DuplicateEvery > 0 && sent % _options.DuplicateEvery == 0 && lastByAgent.TryGetValue(ev.Event.AgentId, out var previous))
                {
                    // Redelivery of an older event: the stale-version rule must drop it.
                    producer.Produce(previous.Topic, previous.Message, onDelivery);
                    Interlocked.Increment(ref _duplicates);
                }
                var message = ExpectedState.ToMessage(ev, opHeader);
                producer.Produce(topic, message, onDelivery);
                lastByAgent[ev.Event.AgentId] = (topic, message);
                Interlocked.Increment(ref _produced);
            }
            if (clock.Elapsed >= nextProgress)
            {
                nextProgress += TimeSpan.FromSeconds(1);
                ReportProgress(clock.Elapsed, pipeline);
            }
            await Task.Delay(1, ct);
        }
        producer.Flush(TimeSpan.FromSeconds(30));
        if (Interlocked.Read(ref _produceErrors) > 0)
            throw new InvalidOperationException($"{_produceErrors} records could not be produced");
    }

    private void ProduceMalformed(IProducer<byte[]?, byte[]?> producer, string topic, long n, Action<DeliveryReport<byte[]?, byte[]?>> onDelivery)
    {
        // Three kinds of bad input, in turn: broken JSON, a missing op header, no key.
        var kind = (n / _options.MalformedEvery) % 3;
        var message = kind switch
        {
            0 => new Message<byte[]?, byte[]?> { Key = "agent-broken"u8.ToArray(), Value = "{\"version\": 1, \"name\": "u8.ToArray(), Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Updated) } } },
            1 => new Message<byte[]?, byte[]?> { Key = "agent-broken"u8.ToArray(), Value = "{\"version\": 1}"u8.ToArray(), Headers = new Headers() },
            _ => new Message<byte[]?, byte[]?> { Key = null, Value = "{\"version\": 1}"u8.ToArray(), Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Created) } } },
        };
        producer.Produce(topic, message, onDelivery);
        Interlocked.Increment(ref _malformed);
    }

    private void ReportProgress(TimeSpan elapsed, PipelineHost pipeline)
    {
        double p50, p99;
        lock (_latencyLock)
        {
            p50 = _window.TotalCount == 0 ? 0 : _window.GetValueAtPercentile(50);
            p99 = _window.TotalCount == 0 ? 0 : _window.GetValueAtPercentile(99);
            _window.Reset();
        }
        _progress.WriteLine(
            $"[{elapsed.TotalSeconds,5:F0}s] produced {Interlocked.Read(ref _produced),9:N0}  state-stage consumed {pipeline.State.Consumed,9:N0}  " +
            $"redis queue {pipeline.State.QueueDepth,5}  dead-lettered {pipeline.Aggregate.DeadLettered + pipeline.State.DeadLettered,4}  e2e last second p50 {p50} / p99 {p99} ms");
    }

    private async Task<(int Mismatches, List<string> Samples)> SettleAsync(PipelineSpec spec, AgentSimulation simulation, IConnectionMultiplexer redis, PipelineHost pipeline, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        var expected = simulation.Agents.ToDictionary(a => a.Id, a => ExpectedState.For(a, spec));
        while (true)
        {
            var (mismatches, samples) = await ExpectedState.CompareAsync(spec, expected, redis);
            var deadLetters = pipeline.Aggregate.DeadLettered + pipeline.State.DeadLettered;
            var settled = mismatches == 0 && deadLetters >= Interlocked.Read(ref _malformed);
            if (settled || deadline.Elapsed > _options.SettleTimeout)
            {
                if (!settled && deadLetters < Interlocked.Read(ref _malformed))
                    samples.Add($"dead-lettered {deadLetters} of {Interlocked.Read(ref _malformed)} malformed records");
                return (mismatches, samples);
            }
            _progress.WriteLine($"settling: {mismatches} agents differ from the expected state; state stage consumed {pipeline.State.Consumed:N0}");
            await Task.Delay(500, ct);
        }
    }

    private static async Task<int> CountAgentsAsync(PipelineSpec spec, IConnectionMultiplexer redis)
    {
        var pattern = RedisStateReader.KeyGlob(spec.State.KeyPattern);
        var count = 0;
        await foreach (var _ in RedisStateReader.ScanStateKeysAsync(redis, pattern))
            count++;
        return count;
    }
}
