using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Spec;
using ContactCenter.Processor.Streams;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State.Supplier;
using ContactCenter.Processor.Stages;
using ContactCenter.Processor.Threading;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Runs the agent-aggregate stage as its own Streamiz application (its own application.id, so its own
/// consumer group that reads only source topics). Bad records never reach here as exceptions (the processor
/// dead-letters them); if Streamiz nevertheless stops (a store or broker failure it cannot retry), the stage reports
/// it to <see cref="StageHealth"/> at once.
/// </summary>
internal sealed class AggregateStageHost : IAsyncDisposable
{
    private readonly KafkaStream _stream;
    private readonly KafkaDeadLetterSink _deadLetters;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Heartbeat interval of the stage's consumer: how late a member may learn that a rebalance began.</summary>
    internal const int RebalanceHeartbeatMs = KafkaClientDefaults.StageHeartbeatMs;

    /// <summary>Commit (and transaction) interval of an exactly-once stage.</summary>
    internal const int ExactlyOnceCommitIntervalMs = 100;

    /// <summary>transaction.timeout.ms of an exactly-once stage's producer.</summary>
    internal const int ExactlyOnceTransactionTimeoutMs = 10_000;

    /// <summary>How long an idle stream thread waits on its consumer for the next record before it loops again.</summary>
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(100);

    public AggregateStageHost(AggregateStageSpec spec, KafkaClientSettings kafka, IKeyValueBytesStoreSupplier store, string stateDir,
        ILoggerFactory logs, StageHealth health)
    {
        _deadLetters = new KafkaDeadLetterSink(kafka, spec.DeadLetterTopic, logs.CreateLogger($"ContactCenter.{spec.Name}.DeadLetter"));
        _logger = logs.CreateLogger($"ContactCenter.{spec.Name}");
        _name = spec.Name;
        Partitions = new PartitionGuard(_logger);
        var topology = AggregateTopologyBuilder.Build(spec, store, _deadLetters, Counters, Partitions);
        CreateTaskDirectories(stateDir, spec);
        var config = new StreamConfig<ByteArraySerDes, ByteArraySerDes>
        {
            ApplicationId = spec.ApplicationId,
            // Latency: Streamiz gathers a poll for PollMs before it processes any of it, so the window stays 1 ms; an
            // idle thread waits on the broker instead (LongPollConsumer), whose long poll answers when data arrives.
            PollMs = 1,
            FetchWaitMaxMs = kafka.StageFetchWaitMaxMs,
            LingerMs = 0,
            // Each commit flushes the store: FASTER then starts a background checkpoint (never a stall).
            CommitIntervalMs = 1000,
            SessionTimeoutMs = kafka.SessionTimeoutMs,
            // Streamiz rebalances eagerly: every member stops all its tasks until the rebalance ends, and a member learns
            // that one began only at its next heartbeat. A short interval shortens the pause of every partition at each
            // scale event (docs/pipeline.md, "Scaling pods in and out"); a heartbeat is one small request.
            HeartbeatIntervalMs = Math.Min(RebalanceHeartbeatMs, kafka.SessionTimeoutMs / 3),
            // Outputs are keyed like the sources: the same murmur2 partitioner as every other producer.
            Partitioner = KafkaClientDefaults.KeyPartitioner,
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            NumStreamThreads = 1,
            StateDir = stateDir,
            AllowAutoCreateTopics = false,
            Logger = new StreamizLoggerFactory(logs),
        };
        if (spec.Guarantee == Topology.Spec.ProcessingGuarantee.ExactlyOnce)
        {
            // Outputs (user-aggregate, the changelog) and the input offsets go out in one transaction per commit.
            // Kafka Streams' EOS defaults: commit every 100 ms (what a read_committed reader waits at most), and a
            // 10 s transaction timeout, which bounds how long a killed instance's open transaction holds readers back.
            config.Guarantee = Streamiz.Kafka.Net.ProcessingGuarantee.EXACTLY_ONCE;
            config.CommitIntervalMs = ExactlyOnceCommitIntervalMs;
            config.TransactionTimeoutMs = ExactlyOnceTransactionTimeoutMs;
        }
        kafka.Apply(config, spec.Name);
        _stream = new KafkaStream(topology, config, new LongPollKafkaSupplier(config, IdleWait));
        _stream.StateChanged += (previous, next) =>
        {
            // One line per transition: with the state stage's assignment lines, the pod's log shows where a scale
            // event's pause goes (revoke, rejoin, restore, running).
            _logger.LogInformation("Stage {Stage}: {Previous} -> {Next}", spec.Name, previous, next);
            // Runs on a stream thread: signal only, never block here.
            if (next == KafkaStream.State.RUNNING)
            {
                Counters.OnJoined();
                _running.TrySetResult();
            }
            if (next == KafkaStream.State.ERROR)
            {
                var error = new InvalidOperationException($"stage {spec.Name} entered ERROR");
                _running.TrySetException(error);
                health.Fail(spec.Name, "Streamiz stream thread died (state ERROR; see the Streamiz error logged before this line)");
            }
        };
    }

    /// <summary>
    /// Streamiz writes each task's offset checkpoint under <c>{stateDir}/{application id}/{sub-topology}-{partition}</c> when it
    /// closes the task, but creates that directory only for stores it manages itself; the aggregate store lives elsewhere,
    /// so without this every normal stop logged one "Failed to write offset checkpoint" stack trace per task. Sub-topology
    /// 0 is the merge (1 when a source is repartitioned first).
    /// </summary>
    private static void CreateTaskDirectories(string stateDir, AggregateStageSpec spec)
    {
        var subTopologies = spec.Sources.Any(s => s.Repartition) ? 2 : 1;
        var partitions = spec.Sources.Max(s => s.Partitions);
        for (var t = 0; t < subTopologies; t++)
        {
            for (var p = 0; p < partitions; p++)
                Directory.CreateDirectory(Path.Combine(stateDir, spec.ApplicationId, $"{t}-{p}"));
        }
    }

    /// <summary>The per-record co-partitioning check: records found on another partition than their key's, per source.</summary>
    public PartitionGuard Partitions { get; }

    /// <summary>What the stage did with the records it consumed.</summary>
    public StageCounters Counters { get; } = new();

    /// <summary>Dead letters the broker acknowledged.</summary>
    public long DeadLettered => _deadLetters.Sent;

    /// <summary>The stage's dead-letter sink (its counts by reason class feed the pod's metrics).</summary>
    public KafkaDeadLetterSink DeadLetters => _deadLetters;

    /// <summary>Starts the stream; completes when Streamiz reports RUNNING.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        // Not the host's token: Streamiz disposes the stream synchronously inside that token's Cancel(), i.e. on the
        // thread stopping the host and with no bound (seconds to minutes while the broker is away). The stream is closed
        // by DisposeAsync instead, on a thread of its own and within the stage's share of the grace period.
        await _stream.StartAsync(CancellationToken.None).WaitAsync(ct);
        await _running.Task.WaitAsync(ct);
    }

    /// <summary>How long a stop waits for Streamiz to close the stream (its last commit needs the broker) and for the
    /// dead-letter producer to flush; past it the stop goes on without them and uncommitted records are processed again
    /// by the next owner (the merge is idempotent).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public async ValueTask DisposeAsync()
    {
        // Streamiz closes synchronously and, with the broker away, retries its final commit for as long as it likes: it
        // runs on its own thread so the stop stays within its budget (and so within the pod's grace period).
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        await StopWithin(DedicatedThread.Run(_stream.Dispose, "close streams"), "the Streamiz stream did not close (its final commit needs the broker)", deadline);
        await StopWithin(DedicatedThread.Run(_deadLetters.Dispose, "close dead letters"), "the dead-letter producer did not flush", deadline);
    }

    private async Task StopWithin(Task stopping, string what, System.Diagnostics.Stopwatch deadline)
    {
        try
        {
            await stopping.WaitAsync(CloseTimeout - deadline.Elapsed > TimeSpan.Zero ? CloseTimeout - deadline.Elapsed : TimeSpan.Zero);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Stopping stage {Stage}: {What} within {Timeout}; going on without it (uncommitted records are processed again, idempotently)",
                _name, what, CloseTimeout);
        }
        catch (Exception error)
        {
            _logger.LogWarning("Stopping stage {Stage}: {What}: {Error}", _name, what, error.Message);
        }
    }
}
