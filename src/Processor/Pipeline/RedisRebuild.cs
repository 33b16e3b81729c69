using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Pipeline;

/// <summary>Where a rebuild of one partition stands.</summary>
/// <param name="Next">Next offset the rebuild will read.</param>
/// <param name="UpTo">The rebuild ends at this offset (exclusive): where live consumption started.</param>
internal readonly record struct RebuildPartition(long Next, long UpTo)
{
    public bool Done => Next >= UpTo;
}

/// <summary>
/// Rebuilds what Redis lost for some partitions of the state stage, in the background, while the live consumer goes
/// on: it reads the derived (compacted) topic from its start up to where live consumption started and writes every
/// record through the same per-record path and the same Lua fence as the live stage, so the two writers cannot undo
/// each other (an older record never overwrites a newer one). It reads with its own assignment (no group, nothing
/// committed) and sends no dead letters: a record it would refuse was dead-lettered when it was first consumed.
/// </summary>
internal sealed class RedisRebuild : IAsyncDisposable
{
    private readonly StateStageSpec _spec;
    private readonly KafkaClientSettings _kafka;
    private readonly FencedStateWriter _writer;
    private readonly StateRecordProcessor _records;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, RebuildPartition> _partitions = new();
    private readonly ConcurrentDictionary<int, bool> _dropped = new(); // revoked: the partition's next owner finishes it
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _read;

    public RedisRebuild(StateStageSpec spec, KafkaClientSettings kafka, StackExchange.Redis.IConnectionMultiplexer redis,
        RecordProcessorChain processors, IReadOnlyDictionary<int, long> upTo, ILogger logger, QueueStageSpec? queue = null)
    {
        _spec = spec;
        _kafka = kafka;
        _logger = logger;
        foreach (var (partition, end) in upTo)
            _partitions[partition] = new RebuildPartition(0, end);
        _writer = new FencedStateWriter(redis, spec.Name, new FencedWriterOptions { OffsetsKeyPrefix = RedisKeyspace.OffsetsPrefix, Logger = logger, Upkeep = StageUpkeep.For(spec) });
        // A queue stage's writes carry their jobs here too: a job Redis lost with its write is queued again under its
        // original idempotency key (a job that survived is not: the fence queues once per id), so a loss never drops a
        // side effect; the service answers a repeated call of a job it already ran with 409.
        _records = new StateRecordProcessor(spec, processors, new AlreadyDeadLettered(), Counters, queue);
        _writer.Acknowledged += _records.OnAcknowledged;
        _run = Task.Factory.StartNew(RunAsync, TaskCreationOptions.LongRunning).Unwrap();
    }

    /// <summary>What the rebuild did with the records it read (dead letters are counted, not sent again).</summary>
    public StageCounters Counters { get; } = new();

    /// <summary>Per partition, where the rebuild stands.</summary>
    public IReadOnlyDictionary<int, RebuildPartition> Partitions => _partitions;

    /// <summary>How long the rebuild took, or has taken so far.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Records read so far.</summary>
    public long Read => Interlocked.Read(ref _read);

    /// <summary>Completes when every partition is rebuilt or dropped (faults when the rebuild cannot go on).</summary>
    public Task Completion => _run;

    /// <summary>True while the rebuild still has work for <paramref name="partition"/>.</summary>
    public bool Covers(int partition) =>
        !_run.IsCompleted && !_dropped.ContainsKey(partition) && _partitions.TryGetValue(partition, out var state) && !state.Done;

    /// <summary>Partitions this rebuild finished (neither dropped nor left short).</summary>
    public IEnumerable<int> Finished => _partitions.Where(p => p.Value.Done && !_dropped.ContainsKey(p.Key)).Select(p => p.Key);

    /// <summary>
    /// Stops rebuilding <paramref name="partition"/> (this process no longer owns it): its marker stays in Redis, so its
    /// next owner rebuilds it. Callable from any thread; the rebuild's loop stops reading it.
    /// </summary>
    public void Drop(int partition)
    {
        if (_partitions.ContainsKey(partition))
            _dropped[partition] = true;
    }

    private bool Pending(KeyValuePair<int, RebuildPartition> p) => !p.Value.Done && !_dropped.ContainsKey(p.Key);

    private async Task RunAsync()
    {
        var config = _kafka.Consumer(_spec.GroupId + ".rebuild");
        config.EnablePartitionEof = true;
        config.FetchWaitMaxMs = 100;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).LogTo(new KafkaClientLog(_logger)).Build();
        var assigned = _partitions.Where(Pending).Select(p => p.Key).ToHashSet();
        consumer.IncrementalAssign(assigned.Select(p => new TopicPartitionOffset(_spec.InputTopic, p, Offset.Beginning)));
        try
        {
            while (!_stop.IsCancellationRequested && _partitions.Any(Pending))
            {
                var dropped = assigned.Where(_dropped.ContainsKey).ToList();
                if (dropped.Count > 0)
                {
                    consumer.IncrementalUnassign(dropped.Select(p => new TopicPartition(_spec.InputTopic, p)));
                    assigned.ExceptWith(dropped);
                }
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is null)
                    continue;
                var partition = result.Partition.Value;
                if (_dropped.ContainsKey(partition))
                    continue;
                var state = _partitions[partition];
                if (result.IsPartitionEOF)
                {
                    // The log ends here: whatever lies below the target was compacted or retained away.
                    _partitions[partition] = state with { Next = Math.Max(state.UpTo, result.Offset.Value) };
                    continue;
                }
                if (result.Offset.Value >= state.UpTo)
                {
                    _partitions[partition] = state with { Next = state.UpTo }; // live consumption covers the rest
                    continue;
                }
                Interlocked.Increment(ref _read);
                var message = result.Message;
                var write = await _records.ToWriteAsync(new StateInput(result.Topic, partition, result.Offset.Value,
                    message.Key, message.Value, message.Headers, message.Timestamp.UnixTimestampMs)).ConfigureAwait(false);
                if (write is not null)
                    await _writer.WriteAsync(write, _stop.Token).ConfigureAwait(false);
                _partitions[partition] = state with { Next = result.Offset.Value + 1 };
            }
            await _writer.FlushAsync(_stop.Token).ConfigureAwait(false);
            _clock.Stop();
            _logger.LogWarning("Redis rebuild of stage {Stage} done: {Records} records read from {Topic} in {Seconds:F1} s ({Applied} applied, {Stale} already newer in Redis)",
                _spec.Name, Read, _spec.InputTopic, _clock.Elapsed.TotalSeconds, Counters.Applied, Counters.Stale);
        }
        finally
        {
            consumer.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _run.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception error)
        {
            _logger.LogError(error, "Redis rebuild of stage {Stage} stopped", _spec.Name);
        }
        await _writer.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>Counts what the rebuild would refuse; the record reached the dead-letter topic when first consumed.</summary>
    private sealed class AlreadyDeadLettered : IDeadLetterSink
    {
        public void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, Headers? headers, string reason)
        {
        }
    }
}
