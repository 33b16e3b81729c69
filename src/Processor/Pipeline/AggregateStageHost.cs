using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Spec;
using ContactCenter.Processor.Streams;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State.Supplier;
using ContactCenter.Processor.Stages;

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
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How long an idle stream thread waits on its consumer for the next record before it loops again.</summary>
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(100);

    public AggregateStageHost(AggregateStageSpec spec, KafkaClientSettings kafka, IKeyValueBytesStoreSupplier store, string stateDir,
        ILoggerFactory logs, StageHealth health)
    {
        _deadLetters = new KafkaDeadLetterSink(kafka, spec.DeadLetterTopic, logs.CreateLogger($"ContactCenter.{spec.Name}.DeadLetter"));
        var topology = AggregateTopologyBuilder.Build(spec, store, _deadLetters, Counters);
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
            HeartbeatIntervalMs = kafka.SessionTimeoutMs / 3,
            // Outputs are keyed like the sources: the same murmur2 partitioner as every other producer.
            Partitioner = KafkaClientDefaults.KeyPartitioner,
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            NumStreamThreads = 1,
            StateDir = stateDir,
            AllowAutoCreateTopics = false,
            Logger = new StreamizLoggerFactory(logs),
        };
        kafka.Apply(config, spec.Name);
        _stream = new KafkaStream(topology, config, new LongPollKafkaSupplier(config, IdleWait));
        _stream.StateChanged += (_, next) =>
        {
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

    /// <summary>What the stage did with the records it consumed.</summary>
    public StageCounters Counters { get; } = new();

    /// <summary>Dead letters the broker acknowledged.</summary>
    public long DeadLettered => _deadLetters.Sent;

    /// <summary>The stage's dead-letter sink (its counts by reason class feed the pod's metrics).</summary>
    public KafkaDeadLetterSink DeadLetters => _deadLetters;

    /// <summary>Starts the stream; completes when Streamiz reports RUNNING.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await _stream.StartAsync(ct);
        await _running.Task.WaitAsync(ct);
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _deadLetters.Dispose();
        return ValueTask.CompletedTask;
    }
}
