using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Workers;
using ContactCenter.Stores;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using ContactCenter.Processor.Operations;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Sandbox.Demo;

/// <summary>Settings of one provisioning run (<c>demo --scenario provisioning</c>, <c>bench provisioning</c>).</summary>
internal sealed record ProvisioningScenarioOptions
{
    public int Agents { get; init; } = 10_000;

    /// <summary>Source events produced per second (three per agent).</summary>
    public int Rate { get; init; } = 2000;
    public string? Redis { get; init; }
    public BrokerKind Broker { get; init; } = LocalKafka.DefaultKind;
    public ProvisioningServiceOptions Service { get; init; } = new();
    public WorkerOptions Workers { get; init; } = new();
    public int Seed { get; init; } = 42;

    /// <summary>Leading part of the run whose events are checked but not counted in the lag (JIT, connections).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest the run may take from the first event to every job ended.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>What a provisioning run did. <see cref="MaxLagMs"/> is the longest time from a source event (after the
/// warm-up) to its processing by the state and provisioning stages (Redis acknowledged the write and its job):
/// consumption never waits on the service, so it stays small however slow the service is.</summary>
internal sealed record ProvisioningSummary(int Agents, double Seconds, long MaxLagMs, long Duplicates, long Retries, long Dead,
    int Provisioned, int Missing, int Extra, long Calls, long Conflicts, long Reaped, long Jobs)
{
    public bool Exact => Provisioned == Agents && Duplicates == 0 && Missing == 0 && Extra == 0 && Dead == 0 && Jobs == Agents;
}

/// <summary>
/// The seed's incident, done the engine's way: 10,000 agents on-boarded at once (three source events each) through the
/// provisioning topology; a queue stage turns each complete agent into one job and a worker pool calls a slow, flaky
/// provisioning service. Prints progress each second and ends with a check against the service and a reconciliation.
/// </summary>
internal sealed class ProvisioningScenario(ProvisioningScenarioOptions options, TextWriter progress)
{
    private long _maxLagMs;
    private long _measureFromMs = long.MaxValue;

    public async Task<ProvisioningSummary> RunAsync(PipelineSpec spec, CancellationToken ct)
    {
        if (spec.QueueStages.FirstOrDefault(q => q.Http is not null) is not { } queueStage)
            throw new InvalidOperationException($"topology '{spec.Name}' has no queue stage with an http effect; use topologies/examples/provisioning.yaml");
        using var broker = LocalKafka.Start(options.Broker, 1);
        using var garnet = options.Redis is null ? EmbeddedGarnet.Start() : null;
        var redisEndpoint = options.Redis ?? garnet!.Endpoint;
        await using var service = await ProvisioningService.StartAsync(options.Service);
        progress.WriteLine($"broker {broker.BootstrapServers}; redis {redisEndpoint}; provisioning service {service.BaseUrl} " +
            $"(latency {options.Service.Latency.TotalMilliseconds:F0} ms, failures {options.Service.FailureRate:P0})");

        using var redis = await RedisConnector.ConnectAsync(redisEndpoint);
        var stateDir = Path.Combine(Path.GetTempPath(), "contactcenter-provisioning", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(stateDir);
        try
        {
            // Through the pod's own composition root, as `contactcenter run` hosts it.
            await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, ct);
            var podOptions = new PodOptions
            {
                Topology = spec.Name,
                Stages = PipelineHost.Stages.All,
                Store = StoreKind.Faster,
                StateDir = stateDir,
                CreateTopics = false,
                Kafka = { BootstrapServers = broker.BootstrapServers },
                Redis = { Endpoint = redisEndpoint },
                Http = { Port = 0 },
                Workers = WithService(options.Workers, service.BaseUrl),
            };
            var kafka = broker.ClientSettings("provisioning-demo");
            await using var host = await PodHost.StartAsync(podOptions, kafka, spec, "", new PodHostOptions
            {
                MinimumLevel = LogLevel.Warning,
                StreamizMinimumLevel = LogLevel.Error,
            });
            var pipeline = host.Pod.Pipeline;
            if (await Task.WhenAny(host.Pod.Started, pipeline.Health.Failure).WaitAsync(ct) == pipeline.Health.Failure)
                throw new InvalidOperationException(await pipeline.Health.Failure);
            pipeline.State.Acknowledged += RecordLag;
            foreach (var stage in pipeline.QueueStages) stage.Acknowledged += RecordLag;
            var queue = new RedisJobQueue(redis, queueStage.QueueKey);

            var run = Stopwatch.StartNew();
            // As in the agent demo: the first seconds (JIT, connections, script loading) are checked but not timed.
            Interlocked.Exchange(ref _measureFromMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)options.Warmup.TotalMilliseconds);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(options.Timeout);
            var producing = ProduceAsync(spec, broker.BootstrapServers, deadline.Token);
            var counts = await queue.CountsAsync();
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), deadline.Token);
                if (!pipeline.Health.IsHealthy) throw new InvalidOperationException(await pipeline.Health.Failure);
                try
                {
                    counts = await queue.CountsAsync();
                }
                catch (Exception error) when (RedisFailures.IsTransient(error))
                {
                    // A failover or a lost connection: the pipeline retries on its own; report again next second.
                    progress.WriteLine($"{run.Elapsed.TotalSeconds,5:F0}s  Redis unavailable ({error.GetType().Name}); waiting");
                    continue;
                }
                progress.WriteLine($"{run.Elapsed.TotalSeconds,5:F0}s  queued {counts.Jobs,6:N0}  done {counts.Done,6:N0}  in flight {counts.InFlight,4:N0}  " +
                    $"waiting {counts.Ready,6:N0}  retrying {counts.Retrying,4:N0}  dead {counts.Dead,3:N0}  provisioned {service.Provisioned,6:N0}  max lag {Interlocked.Read(ref _maxLagMs)} ms");
                if (producing.IsCompleted && counts.Jobs >= options.Agents && counts.Done + counts.Dead >= counts.Jobs) break;
            }
            await producing;
            var seconds = run.Elapsed.TotalSeconds;
            var report = await Reconciler.RunAsync(queue, service, execute: false, ct);
            var reaped = pipeline.Workers.Sum(w => w.Reaped);
            await host.StopAsync();
            return new ProvisioningSummary(options.Agents, Math.Round(seconds, 2), Interlocked.Read(ref _maxLagMs), service.Duplicates,
                counts.Retries, counts.Dead, service.Provisioned, report.Missing.Count, report.Extra.Count, service.Calls, service.Conflicts,
                reaped, counts.Jobs);
        }
        finally
        {
            try { Directory.Delete(stateDir, recursive: true); }
            catch (IOException) { /* best effort */ }
        }
    }

    private static WorkerOptions WithService(WorkerOptions workers, string baseUrl)
    {
        workers.ServiceBaseUrl = baseUrl;
        return workers;
    }

    private void RecordLag(BatchAcknowledged batch)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var max = 0L;
        foreach (var write in batch.Writes)
        {
            if (write.SourceTimestampMs >= Interlocked.Read(ref _measureFromMs)) max = Math.Max(max, now - write.SourceTimestampMs);
        }
        long seen;
        while (max > (seen = Interlocked.Read(ref _maxLagMs)) && Interlocked.CompareExchange(ref _maxLagMs, max, seen) != seen)
        {
        }
    }

    /// <summary>Every agent's three CREATED events at the configured rate.</summary>
    private async Task ProduceAsync(PipelineSpec spec, string bootstrap, CancellationToken ct)
    {
        var topics = spec.Aggregate.Sources.ToDictionary(s => s.Name, s => (s.Topic, s.OpHeader));
        var simulation = new AgentSimulation(options.Agents, options.Seed);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(bootstrap)).Build();
        var clock = Stopwatch.StartNew();
        long sent = 0;
        for (var i = 0; i < options.Agents; i++)
        {
            foreach (var ev in simulation.Onboard(i, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
            {
                var (topic, opHeader) = topics[ev.Source];
                producer.Produce(topic, new Message<byte[]?, byte[]?>
                {
                    Key = Encoding.UTF8.GetBytes(ev.Event.AgentId),
                    Value = EventSerde.Serialize(ev.Event),
                    Headers = new Headers { { opHeader, EventHeaders.Encode(ev.Op) } },
                });
                sent++;
            }
            var ahead = TimeSpan.FromSeconds(sent / (double)options.Rate) - clock.Elapsed;
            if (ahead > TimeSpan.FromMilliseconds(5)) await Task.Delay(ahead, ct);
        }
        producer.Flush(ct);
    }
}
