using System.Diagnostics.Metrics;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// The pod's System.Diagnostics.Metrics instruments (meter <see cref="MeterName"/>), exported as Prometheus text on
/// <c>/metrics</c>. Names follow Kafka Streams where it has one (<c>process</c> → <c>process-total</c>/<c>process-rate</c>,
/// <c>record-e2e-latency</c>, <c>consumer-lag</c>); labels are bounded: stage, topic, partition, outcome, reason class.
/// </summary>
internal sealed class PodMetrics : IDisposable
{
    public const string MeterName = "ContactCenter.Streams";

    private static readonly double[] LatencyBucketsMs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000];

    private readonly Meter _meter;
    private readonly PodStatus _status;
    private readonly Histogram<double> _e2e;
    private readonly Histogram<double> _batch;
    private StateStageHost? _attached;

    public PodMetrics(PodStatus status)
    {
        _status = status;
        _meter = new Meter(MeterName);
        var latencyAdvice = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsMs };
        _e2e = _meter.CreateHistogram("cc.record-e2e-latency", "ms",
            "From a source event's timestamp to Redis acknowledging the state it produced (Kafka Streams: record-e2e-latency).", advice: latencyAdvice);
        _batch = _meter.CreateHistogram("cc.writer.batch-latency", "ms",
            "From sending a pipelined batch of fenced writes to Redis's last answer, retries included.", advice: latencyAdvice);
        _meter.CreateObservableCounter("cc.process", ObserveProcessed, "{record}",
            "Records consumed by a stage (Kafka Streams: process-total; its rate is process-rate).");
        _meter.CreateObservableCounter("cc.records", ObserveOutcomes, "{record}",
            "What a stage did with the records it consumed: applied, stale, dropped or dead-lettered (state stage: once Redis acknowledged).");
        _meter.CreateObservableCounter("cc.dead-letters", ObserveDeadLetters, "{record}",
            "Records sent to the dead-letter topic, by reason class (a bounded set).");
        _meter.CreateObservableGauge("cc.consumer-lag", ObserveLag, "{record}",
            "Log end offset minus the stage's committed offset, per input partition (Kafka Streams: consumer-lag).");
        _meter.CreateObservableGauge("cc.writer.queue-depth", ObserveQueueDepth, "{write}",
            "Writes handed to the Redis writer and not yet acknowledged.");
        _meter.CreateObservableCounter("cc.jobs", ObserveJobs, "{job}",
            "What this pod's workers did with the jobs they leased: done, already-done (409), failed (an attempt), dead, reaped (taken back from a dead worker).");
        _meter.CreateObservableGauge("cc.queue.depth", ObserveQueueJobs, "{job}",
            "Jobs of a queue by state (ready, in-flight, retrying, dead), as of the workers' last reaper tick: side effects falling behind show here, never as consumer lag.");
        _meter.CreateObservableGauge("cc.assigned-partitions", ObserveAssigned, "{partition}",
            "Input partitions this pod owns now, per stage.");
        _meter.CreateObservableGauge("cc.pod.idle", () => _status.Idle ? 1 : 0, null,
            "1 when every stage of the pod joined its group and none owns a partition (more pods than partitions).");
        _meter.CreateObservableGauge("cc.pod.stage-up", () => _status.Liveness().Live ? 1 : 0, null,
            "1 while every stage of the pod can go on.");
    }

    /// <summary>The e2e latency of the last few seconds (the page's live chart).</summary>
    public RecentLatency RecentE2e { get; } = new(TimeSpan.FromSeconds(2));

    /// <summary>Starts timing the state stage's acknowledged batches (call once the pipeline created it).</summary>
    public void Attach(StateStageHost state)
    {
        if (Interlocked.CompareExchange(ref _attached, state, null) is not null) return;
        state.Acknowledged += OnAcknowledged;
    }

    private void OnAcknowledged(BatchAcknowledged batch)
    {
        var stage = new KeyValuePair<string, object?>("stage", _status.Pipeline.Spec.State.Name);
        _batch.Record(batch.Elapsed.TotalMilliseconds, stage);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var write in batch.Writes)
        {
            if (write.SourceTimestampMs > 0)
            {
                _e2e.Record(Math.Max(0, now - write.SourceTimestampMs), stage);
                RecentE2e.Record(now - write.SourceTimestampMs);
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveProcessed() =>
        _status.Stages().Select(s => new Measurement<long>(s.Counters.Consumed, new KeyValuePair<string, object?>("stage", s.Stage)));

    private IEnumerable<Measurement<long>> ObserveOutcomes()
    {
        foreach (var (stage, c) in _status.Stages())
        {
            yield return Outcome(stage, "applied", c.Applied);
            yield return Outcome(stage, "stale", c.Stale);
            yield return Outcome(stage, "dropped", c.Dropped);
            yield return Outcome(stage, "dead-lettered", c.DeadLettered);
        }
    }

    private static Measurement<long> Outcome(string stage, string outcome, long value) =>
        new(value, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("outcome", outcome));

    private IEnumerable<Measurement<long>> ObserveDeadLetters()
    {
        var pipeline = _status.Pipeline;
        var sinks = new List<(string, KafkaDeadLetterSink)>();
        if (pipeline.AggregateOrNull is { } aggregate) sinks.Add((pipeline.Spec.Aggregate.Name, aggregate.DeadLetters));
        if (pipeline.StateOrNull is { } state) sinks.Add((pipeline.Spec.State.Name, state.DeadLetters));
        foreach (var (stage, sink) in sinks)
        {
            foreach (var (reason, count) in sink.ByReasonClass)
                yield return new(count, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        if (_status.Lag is not { } lag) yield break;
        foreach (var ((stage, topic, partition), value) in lag.Lag)
        {
            yield return new(value,
                new KeyValuePair<string, object?>("stage", stage),
                new KeyValuePair<string, object?>("topic", topic),
                new KeyValuePair<string, object?>("partition", partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    private IEnumerable<Measurement<long>> ObserveQueueDepth()
    {
        if (_status.Pipeline.StateOrNull is { } state)
            yield return new(state.QueueDepth, new KeyValuePair<string, object?>("stage", _status.Pipeline.Spec.State.Name));
    }

    private IEnumerable<Measurement<long>> ObserveJobs()
    {
        foreach (var pool in _status.Pipeline.Workers)
        {
            var queue = new KeyValuePair<string, object?>("queue", pool.Queue.Keys.Queue);
            yield return new(pool.Done, queue, new("outcome", "done"));
            yield return new(pool.AlreadyDone, queue, new("outcome", "already-done"));
            yield return new(pool.Failed, queue, new("outcome", "failed"));
            yield return new(pool.Dead, queue, new("outcome", "dead"));
            yield return new(pool.Reaped, queue, new("outcome", "reaped"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveQueueJobs()
    {
        foreach (var pool in _status.Pipeline.Workers)
        {
            if (pool.LastCounts is not { } counts) continue;
            var queue = new KeyValuePair<string, object?>("queue", pool.Queue.Keys.Queue);
            yield return new(counts.Ready, queue, new("state", "ready"));
            yield return new(counts.InFlight, queue, new("state", "in-flight"));
            yield return new(counts.Retrying, queue, new("state", "retrying"));
            yield return new(counts.Dead, queue, new("state", "dead"));
        }
    }

    private IEnumerable<Measurement<int>> ObserveAssigned() =>
        _status.Stages().Select(s => new Measurement<int>(s.Counters.AssignedPartitions.Count, new KeyValuePair<string, object?>("stage", s.Stage)));

    public void Dispose()
    {
        if (_attached is { } state) state.Acknowledged -= OnAcknowledged;
        _meter.Dispose();
    }
}
