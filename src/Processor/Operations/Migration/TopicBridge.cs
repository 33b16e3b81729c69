using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations.Migration;

/// <summary>What the bridge did so far: copied, skipped as already copied, and how far behind the sources it is.</summary>
internal sealed record BridgeProgress(long Copied, long SkippedDuplicates, long Lag, double RecordsPerSecond, bool SourcesIdle);

/// <summary>
/// Copies each running source topic into its new topic, re-partitioned by the engine's partitioner (murmur2 on the key,
/// <see cref="KafkaClientDefaults.KeyPartitioner"/>), for as long as it runs, so that producers can switch topics at their
/// own pace.
/// </summary>
/// <remarks>
/// Per-key order: all records of a key are in one source partition, read in order by one consumer, and go to one new
/// partition through one idempotent producer, which keeps their order. Exactly once: a batch is produced and flushed
/// (every record acknowledged), then its positions are written to <see cref="BridgeCheckpoint"/>; after a crash the
/// records copied since the last checkpoint are found by their origin header and skipped. Record timestamps, keys, values
/// and headers are kept (the fence and the merge order by them).
/// </remarks>
internal sealed class TopicBridge
{
    /// <summary>Header naming where a copied record comes from: <c>topic/partition/offset</c>.</summary>
    public const string OriginHeader = "cc-origin";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromMilliseconds(200);
    private readonly KafkaClientSettings _kafka;
    private readonly IReadOnlyList<BridgedTopic> _topics;
    private readonly BridgeCheckpoint _checkpoint;
    private readonly ILogger _logger;
    private readonly int _batch;
    private long _copied;
    private long _skipped;
    private long _lag = -1;
    private double _rate;
    private bool _idle;

    public TopicBridge(KafkaClientSettings kafka, IReadOnlyList<BridgedTopic> topics, IDatabase db, string migration, ILogger logger, int batch = 2000)
    {
        _kafka = kafka;
        _topics = topics;
        _checkpoint = new BridgeCheckpoint(db, migration);
        _logger = logger;
        _batch = batch;
    }

    public BridgeProgress Progress => new(Interlocked.Read(ref _copied), Interlocked.Read(ref _skipped), Interlocked.Read(ref _lag), Volatile.Read(ref _rate), Volatile.Read(ref _idle));

    /// <summary>Copies until <paramref name="ct"/> is cancelled; resumes from the checkpoint. Throws on a failure that a
    /// new run (which resumes exactly) must handle.</summary>
    public Task RunAsync(CancellationToken ct) => Task.Factory.StartNew(() => Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken ct)
    {
        if (_topics.Count == 0)
        {
            Interlocked.Exchange(ref _lag, 0);
            Volatile.Write(ref _idle, true);
            return;
        }
        var positions = _checkpoint.ReadAsync().GetAwaiter().GetResult();
        var alreadyCopied = CopiedSinceCheckpoint(positions, ct);
        _logger.LogInformation("Bridge starts from {Positions} checkpointed positions; {Skip} records to skip", positions.Count, alreadyCopied.Count);
        var target = _topics.ToDictionary(t => t.From, t => t.To, StringComparer.Ordinal);

        var config = _kafka.Consumer($"cc.migrate.bridge.{Guid.NewGuid():N}");
        config.FetchWaitMaxMs = 100;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        var starts = _topics.SelectMany(t => Enumerable.Range(0, t.FromPartitions).Select(p =>
            new TopicPartitionOffset(t.From, p, positions.TryGetValue(BridgeCheckpoint.In(t.From, p), out var next) ? new Offset(next) : Offset.Beginning))).ToList();
        consumer.Assign(starts);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(_kafka.Producer("migrate-bridge")).Build();

        var pending = new Dictionary<string, long>(StringComparer.Ordinal);
        string? failure = null;
        Action<DeliveryReport<byte[]?, byte[]?>> delivered = report =>
        {
            if (report.Error.IsError)
            {
                failure ??= report.Error.Reason;
                return;
            }
            var key = BridgeCheckpoint.Out(report.Topic, report.Partition.Value);
            lock (pending)
            {
                if (!pending.TryGetValue(key, out var end) || end < report.Offset.Value + 1)
                    pending[key] = report.Offset.Value + 1;
            }
        };

        var clock = Stopwatch.StartNew();
        var lastLag = TimeSpan.Zero;
        var lastCheckpoint = TimeSpan.Zero;
        long copiedAtLastLag = 0;
        var inBatch = 0;
        while (!ct.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (result is { IsPartitionEOF: false, Message: { } message })
            {
                var origin = string.Create(CultureInfo.InvariantCulture, $"{result.Topic}/{result.Partition.Value}/{result.Offset.Value}");
                lock (pending) pending[BridgeCheckpoint.In(result.Topic, result.Partition.Value)] = result.Offset.Value + 1;
                if (alreadyCopied.Remove(origin))
                {
                    Interlocked.Increment(ref _skipped);
                }
                else
                {
                    var headers = new Headers();
                    if (message.Headers is { } original)
                        foreach (var h in original) headers.Add(h.Key, h.GetValueBytes());
                    headers.Add(OriginHeader, Encoding.ASCII.GetBytes(origin));
                    producer.Produce(target[result.Topic], new Message<byte[]?, byte[]?>
                    {
                        Key = message.Key, Value = message.Value, Headers = headers,
                        Timestamp = new Timestamp(message.Timestamp.UnixTimestampMs, TimestampType.CreateTime),
                    }, delivered);
                    inBatch++;
                }
                // A batch ends when it is full, when the sources have nothing more for now, or after 200 ms.
                if (inBatch < _batch && clock.Elapsed - lastCheckpoint < CheckpointEvery) continue;
            }
            if (pending.Count > 0)
            {
                Checkpoint(producer, pending, ref failure, ct);
                Interlocked.Add(ref _copied, inBatch);
                inBatch = 0;
            }
            lastCheckpoint = clock.Elapsed;
            if (clock.Elapsed - lastLag >= TimeSpan.FromSeconds(1))
            {
                var lag = Lag(consumer);
                var copied = Interlocked.Read(ref _copied);
                Volatile.Write(ref _rate, (copied - copiedAtLastLag) / (clock.Elapsed - lastLag).TotalSeconds);
                Volatile.Write(ref _idle, lag == 0 && copied == copiedAtLastLag);
                Interlocked.Exchange(ref _lag, lag);
                copiedAtLastLag = copied;
                lastLag = clock.Elapsed;
            }
        }
        if (pending.Count > 0)
        {
            Checkpoint(producer, pending, ref failure, CancellationToken.None);
            Interlocked.Add(ref _copied, inBatch);
        }
        consumer.Close();
    }

    /// <summary>Waits until every record of the batch is acknowledged, then records the batch's positions (one HSET).</summary>
    private void Checkpoint(IProducer<byte[]?, byte[]?> producer, Dictionary<string, long> pending, ref string? failure, CancellationToken ct)
    {
        while (producer.Flush(TimeSpan.FromSeconds(1)) > 0)
        {
            if (ct.IsCancellationRequested && producer.Flush(Timeout) > 0)
                throw new OperationCanceledException("the bridge stopped with records not yet acknowledged; the next run copies them again, once");
        }
        if (failure is not null)
            throw new InvalidOperationException($"the bridge could not copy a record ({failure}); a new run resumes from its last checkpoint");
        Dictionary<string, long> snapshot;
        lock (pending)
        {
            snapshot = new Dictionary<string, long>(pending, StringComparer.Ordinal);
            pending.Clear();
        }
        _checkpoint.WriteAsync(snapshot).GetAwaiter().GetResult();
    }

    private long Lag(IConsumer<byte[]?, byte[]?> consumer)
    {
        long lag = 0;
        foreach (var tp in consumer.Assignment)
        {
            var end = consumer.QueryWatermarkOffsets(tp, Timeout).High.Value;
            var position = consumer.Position(tp);
            var at = position.Value >= 0 ? position.Value : consumer.QueryWatermarkOffsets(tp, Timeout).Low.Value;
            lag += Math.Max(0, end - at);
        }
        return lag;
    }

    /// <summary>The origins of the records in each new partition after its checkpointed end: copied by a run that died
    /// before it could record them.</summary>
    private HashSet<string> CopiedSinceCheckpoint(IReadOnlyDictionary<string, long> positions, CancellationToken ct)
    {
        var origins = new HashSet<string>(StringComparer.Ordinal);
        var config = _kafka.Consumer($"cc.migrate.bridge-resume.{Guid.NewGuid():N}");
        config.EnablePartitionEof = true;
        config.FetchWaitMaxMs = 10;
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        foreach (var topic in _topics)
        {
            for (var q = 0; q < topic.ToPartitions; q++)
            {
                var tp = new TopicPartition(topic.To, q);
                var end = reader.QueryWatermarkOffsets(tp, Timeout).High.Value;
                var from = positions.TryGetValue(BridgeCheckpoint.Out(topic.To, q), out var checkpointed) ? checkpointed : 0;
                if (from >= end) continue;
                reader.Assign(new TopicPartitionOffset(tp, new Offset(from)));
                while (!ct.IsCancellationRequested)
                {
                    var r = reader.Consume(Timeout);
                    if (r is null) throw new TimeoutException($"no answer reading {topic.To}[{q}] at offset {from}");
                    if (r.IsPartitionEOF || r.Offset.Value >= end) break;
                    if (r.Message.Headers?.TryGetLastBytes(OriginHeader, out var bytes) == true)
                        origins.Add(Encoding.ASCII.GetString(bytes));
                    if (r.Offset.Value + 1 >= end) break;
                }
                reader.Unassign();
            }
        }
        if (origins.Count > 0)
            _logger.LogInformation("Bridge resumes: {Count} records were copied after the last checkpoint and are skipped", origins.Count);
        return origins;
    }
}
