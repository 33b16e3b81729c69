using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Stages;
using ContactCenter.Processor.Streams;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Stores;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Sandbox.Scale;

/// <summary>What taking over the aggregate stage's partitions costs with <c>Agents</c> agents in the store.</summary>
/// <param name="ChangelogSeconds">A new owner with an empty disk: Streamiz restores every record of the changelog into
/// FASTER before the stage runs (start to RUNNING, group join included).</param>
/// <param name="SharedCheckpointSeconds">A new owner that finds the previous owner's FASTER checkpoint and Streamiz's
/// offset file (a shared state directory after a graceful hand-over): lazy recovery of the index, no changelog replay.</param>
/// <param name="JoinSeconds">The same start with nothing to restore at all (an empty changelog): the part of both
/// figures that is the group join and the stage's start, not the store.</param>
internal sealed record AggregateRestoreResult(int Agents, int Partitions, long ChangelogBytes, double ChangelogSeconds,
    double SharedCheckpointSeconds, double JoinSeconds, bool StateVerified);

/// <summary>
/// Measures the aggregate stage's restore on a new owner, in process on the embedded broker: the store's changelog is
/// filled with one aggregate per agent (a fully compacted changelog, the least a restore can read), then the real stage
/// (<see cref="AggregateStageHost"/>, Streamiz and the FASTER store as a pod runs them) is started on an empty state
/// directory, stopped gracefully, and started again on the same directory, as a new owner on a shared volume would.
/// </summary>
internal static partial class AggregateRestoreMeasurement
{
    public static async Task<AggregateRestoreResult> RunAsync(string topologyFile, int agents, string workDir, TextWriter log, CancellationToken ct = default)
    {
        var spec = TopologyLoader.Load(topologyFile).Spec ?? throw new ArgumentException($"{topologyFile} is not a valid topology");
        using var broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
        await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, ct).ConfigureAwait(false);
        var changelog = AggregateTopologyBuilder.ChangelogTopic(spec.Aggregate);

        var clock = Stopwatch.StartNew();
        var bytes = FillChangelog(spec, broker.BootstrapServers, changelog, agents);
        log.WriteLine($"changelog {changelog}: {agents:N0} aggregates, {bytes / (1024.0 * 1024):F0} MiB produced in {clock.Elapsed.TotalSeconds:F1} s");

        // Another application id: its own, empty changelog (created like the real one), the same sources.
        var empty = spec with { Aggregate = spec.Aggregate with { ApplicationId = spec.Aggregate.ApplicationId + "-empty" } };
        await PipelineHost.ProvisionTopicsAsync(empty, broker.Provisioner, ct).ConfigureAwait(false);
        var join = await TimeStartAsync(empty, broker.BootstrapServers, Path.Combine(workDir, "join-only"), ct).ConfigureAwait(false);
        log.WriteLine($"join only (nothing to restore): {join.Seconds:F2} s");

        var stateDir = Path.Combine(workDir, "owner");
        var full = await TimeStartAsync(spec, broker.BootstrapServers, stateDir, ct).ConfigureAwait(false);
        log.WriteLine($"new owner, empty disk, changelog restore: {full.Seconds:F2} s"
            + (full.Seconds > 2 * join.Seconds ? $" ({agents / (full.Seconds - join.Seconds):N0} records/s beyond the join)" : ""));
        var shared = await TimeStartAsync(spec, broker.BootstrapServers, stateDir, ct).ConfigureAwait(false);
        // The second start recovered what the first one restored and checkpointed on its graceful stop: every agent.
        var recovered = shared.RecoveredEntries;
        log.WriteLine($"new owner, previous owner's checkpoint (shared state dir): {shared.Seconds:F2} s, {recovered:N0} entries recovered");
        return new AggregateRestoreResult(agents, spec.Aggregate.Sources[0].Partitions, bytes, full.Seconds, shared.Seconds, join.Seconds,
            recovered == agents);
    }

    /// <summary>One aggregate per simulated agent (its three on-boarding events merged), keyed and partitioned like the stage's own writes.</summary>
    private static long FillChangelog(PipelineSpec spec, string bootstrapServers, string changelog, int agents)
    {
        var config = KafkaClientDefaults.Producer(bootstrapServers);
        config.LingerMs = 20; // a bulk load, not a latency path
        config.BatchSize = 1 << 20;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        var simulation = new AgentSimulation(agents, seed: 1);
        var sources = spec.Aggregate.Sources.ToDictionary(s => s.Name);
        long bytes = 0, failed = 0;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < agents; i++)
        {
            var value = AggregateOf(simulation, i, now, sources, spec.Aggregate.Limits);
            var key = Encoding.UTF8.GetBytes(simulation.Agents[i].Id);
            bytes += key.Length + value.Length;
            while (true)
            {
                try
                {
                    producer.Produce(changelog, new Message<byte[], byte[]> { Key = key, Value = value }, r => { if (r.Error.IsError) Interlocked.Increment(ref failed); });
                    break;
                }
                catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(50));
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(5));
        if (Interlocked.Read(ref failed) > 0) throw new InvalidOperationException($"{failed} changelog records were not delivered");
        return bytes;
    }

    internal static byte[] AggregateOf(AgentSimulation simulation, int index, long now, Dictionary<string, SourceSpec> sources, RecordLimits limits)
    {
        var aggregate = new UserAggregate(simulation.Agents[index].Id);
        foreach (var ev in simulation.Onboard(index, now))
        {
            var source = sources[ev.Source];
            if (!SourceEventDecoder.TryDecode(EventSerde.Serialize(ev.Event), source, limits, out var decoded, out var error))
                throw new InvalidOperationException($"the simulation produced an event the topology rejects: {error}");
            AggregateMerger.Apply(aggregate, source.Part, ev.Op, decoded);
        }
        return AggregateCodec.Encode(aggregate);
    }

    /// <summary>
    /// Starts the stage on <paramref name="stateDir"/> and times it until every task runs. Streamiz reports the
    /// application RUNNING as soon as the group assigned the partitions, before the tasks restored their stores, so the
    /// end is each task's own move to RUNNING, as Streamiz logs it. Then the stage stops gracefully (the store
    /// checkpoints on close). Also returns how many entries the stores' recovered checkpoints held, as they logged it.
    /// </summary>
    private static async Task<(double Seconds, long RecoveredEntries)> TimeStartAsync(PipelineSpec spec, string bootstrapServers, string stateDir, CancellationToken ct)
    {
        Directory.CreateDirectory(stateDir);
        var collected = new CollectedLogs();
        using var logs = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(collected));
        var supplier = AggregateStores.Create(StoreKind.Faster, spec.Aggregate.StoreName, AggregateStoreOptions.For(stateDir));
        var health = new StageHealth(NullLogger.Instance);
        var partitions = spec.Aggregate.Sources[0].Partitions;
        TimeSpan started, running;
        await using (var host = new AggregateStageHost(spec.Aggregate, new KafkaClientSettings(bootstrapServers), supplier, stateDir, logs, health))
        {
            started = collected.Elapsed;
            await host.StartAsync(ct).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromMinutes(10));
            while (true)
            {
                var tasks = collected.Messages.Where(m => TaskRunning().IsMatch(m.Message)).ToList();
                if (tasks.Select(m => TaskRunning().Match(m.Message).Groups[1].Value).Distinct().Count() >= partitions)
                {
                    running = tasks.Max(m => m.At);
                    break;
                }
                await Task.Delay(20, timeout.Token).ConfigureAwait(false);
            }
        }
        long entries = 0;
        foreach (var (_, message) in collected.Messages)
        {
            if (RecoveredEntries().Match(message) is { Success: true } m) entries += long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return ((running - started).TotalSeconds, entries);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"recovered checkpoint #\d+ \((\d+) entries\)")]
    private static partial System.Text.RegularExpressions.Regex RecoveredEntries();

    /// <summary>Streamiz's log line when a task starts processing (after its restore, if any).</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"Task (\d+-\d+) state transition from \w+ to RUNNING")]
    private static partial System.Text.RegularExpressions.Regex TaskRunning();
}
