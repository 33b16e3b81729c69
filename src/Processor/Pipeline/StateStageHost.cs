using System.Collections.Concurrent;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Stores.Snapshots;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using ContactCenter.Processor.Stages;
using ContactCenter.Processor.Threading;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// The agent-state stage: a plain consumer of the derived aggregate topic, in its own consumer group, that
/// materializes one Redis hash per agent. The consumer loop only decodes and hands writes to the
/// <see cref="FencedStateWriter"/>; Kafka offsets are committed only for what Redis has acknowledged.
/// On start it seeks each assigned partition to just after the offset recorded in Redis (snapshot first), so
/// a new pod never replays what Redis already holds.
/// </summary>
/// <remarks>
/// A bad record (key outside the rule, too large, not an aggregate, a processor's exception, a key Redis refuses) is
/// dead-lettered and the partition moves on. Redis or the broker being away is the world's failure: retried, never
/// dead-lettered. Anything that stops the loop or the writer is reported to <see cref="StageHealth"/> at once.
/// </remarks>
internal sealed class StateStageHost : IAsyncDisposable
{
    private readonly StateStageSpec _spec;
    private readonly KafkaClientSettings _kafka;
    private readonly ILogger _logger;
    private readonly KafkaClientLog _clientLog;
    private readonly StageHealth _health;
    private readonly IConnectionMultiplexer _redis;
    private readonly FencedStateWriter _writer;
    private readonly KafkaDeadLetterSink _deadLetters;
    private readonly StateRecordProcessor _records;
    private readonly ConcurrentDictionary<int, long> _acknowledged = new();
    private readonly ConcurrentDictionary<int, long> _position = new(); // next offset the live consumer reads
    private readonly RedisLossWatch _loss;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private Task? _snapshots;

    /// <param name="queue">When set, this host runs that queue stage (<paramref name="spec"/> is its
    /// <see cref="QueueStageSpec.AsStateStage"/>): each write carries its job.</param>
    public StateStageHost(StateStageSpec spec, KafkaClientSettings kafka, IConnectionMultiplexer redis, ILoggerFactory logs, StageHealth health,
        FencedWriterOptions? writerOptions = null, QueueStageSpec? queue = null)
    {
        // Before anything is started: on a Redis Cluster a queue without a hash tag would fail its first call (CROSSSLOT).
        if (queue is not null) new JobQueueKeys(queue.QueueKey).EnsureUsableOn(redis);
        _spec = spec;
        _kafka = kafka;
        _redis = redis;
        _health = health;
        _logger = logs.CreateLogger($"ContactCenter.{spec.Name}");
        _clientLog = new KafkaClientLog(_logger);
        _writer = new FencedStateWriter(redis, spec.Name, (writerOptions ?? new FencedWriterOptions()) with
        {
            Logger = logs.CreateLogger($"ContactCenter.{spec.Name}.Redis"),
            OffsetsKeyPrefix = RedisKeyspace.OffsetsPrefix,
            Upkeep = StageUpkeep.For(spec),
        });
        _writer.Acknowledged += OnAcknowledged;
        _writer.Faulted += error => _health.Fail(spec.Name, "the Redis writer stopped on an error that retrying cannot fix", error);
        _deadLetters = new KafkaDeadLetterSink(kafka, spec.DeadLetterTopic, logs.CreateLogger($"ContactCenter.{spec.Name}.DeadLetter"));
        var processors = new RecordProcessorChain(spec.Processors, new RedisDedupStore(redis.GetDatabase(), spec.Name, _logger, _stop.Token));
        _records = new StateRecordProcessor(spec, processors, _deadLetters, Counters, queue);
        _loss = new RedisLossWatch(spec, kafka, redis, processors, logs.CreateLogger($"ContactCenter.{spec.Name}.Recovery"),
            p => _position.TryGetValue(p, out var next) ? next : null, _writer.SetFloor) { Queue = queue };
        _writer.ProgressLost += _loss.OnProgressLost;
    }

    /// <summary>Where snapshot files are loaded from when Redis is found empty (and written to, with <see cref="SnapshotEvery"/>).</summary>
    public string? SnapshotDirectory { get; init; }

    /// <summary>How often a snapshot file is written to <see cref="SnapshotDirectory"/>; null writes none.</summary>
    public TimeSpan? SnapshotEvery { get; init; }

    /// <summary>Loss detection and background rebuilds of this stage's Redis state.</summary>
    public RedisLossWatch Recovery => _loss;

    /// <summary>What the stage did with the records it consumed (applied and stale once Redis acknowledged them).</summary>
    public StageCounters Counters { get; } = new();

    /// <summary>How far behind its source events this stage is (what the pod's worker pools pace themselves by).</summary>
    public StageLag Lag { get; } = new();

    /// <summary>Whether this stage is more than <paramref name="threshold"/> behind its source events.</summary>
    public bool IsBehind(TimeSpan threshold) => Lag.IsBehind(threshold, _writer.Pending);

    /// <summary>Raised (on the writer's loop) after Redis acknowledged a batch.</summary>
    public event Action<BatchAcknowledged>? Acknowledged;

    public long Consumed => Counters.Consumed;

    public long DeadLettered => _deadLetters.Sent;

    /// <summary>The stage's dead-letter sink (its counts by reason class feed the pod's metrics).</summary>
    public KafkaDeadLetterSink DeadLetters => _deadLetters;

    /// <summary>How long a graceful stop waits for Redis to acknowledge what the writer holds (then it commits what was).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a graceful stop waits for the consumer to leave its group after the drain. librdkafka's close waits for a
    /// rebalance in progress to end, and when several pods stop at once (a scale-in) that rebalance can wait on members
    /// that are themselves closing: it was seen to block the whole grace period. By then the writes are in Redis and their
    /// offsets committed (or recorded in Redis, which a new owner resumes from), so the stage gives up on the leave and
    /// the group notices the member gone after its session timeout.
    /// </summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the idle consumer loop waits for a record before it looks at commits and the stop signal again.</summary>
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(100);

    /// <summary>Static membership: the consumer's group.instance.id (null: dynamic membership).</summary>
    public string? GroupInstanceId { get; init; }

    /// <summary>The input topic's consumer group.</summary>
    public string GroupId => _spec.GroupId;

    public long QueueDepth => _writer.Pending;

    public async Task StartAsync(CancellationToken ct)
    {
        // Whether Redis kept its data; where each partition resumes is read when it is assigned (snapshot first).
        await _loss.StartAsync(SnapshotDirectory is { } dir ? () => RestoreNewestSnapshotAsync(dir) : null);
        if (SnapshotDirectory is { } directory && SnapshotEvery is { } every)
            _snapshots = Task.Run(() => SaveSnapshotsAsync(directory, every));
        _loop = Task.Factory.StartNew(GuardedConsumeLoop, TaskCreationOptions.LongRunning).Unwrap();
        await Task.WhenAny(_assigned.Task, _loop).WaitAsync(ct);
        if (_loop.IsFaulted) await _loop;
    }

    /// <summary>Waits until every record consumed so far is acknowledged by Redis.</summary>
    public Task FlushAsync(CancellationToken ct) => _writer.FlushAsync(ct);

    private async Task GuardedConsumeLoop()
    {
        try
        {
            await ConsumeLoop();
        }
        catch (Exception error)
        {
            _health.Fail(_spec.Name, "the consumer loop stopped", error);
            throw;
        }
    }

    private async Task ConsumeLoop()
    {
        // The broker answers a waiting fetch as soon as data arrives, so a long wait costs no latency (see
        // KafkaClientDefaults.StageFetchWaitMaxMs; the mock needs a short one).
        var config = _kafka.StageConsumer(_spec.GroupId, _spec.Name);
        // Input written by an exactly-once stage: aborted transactions (a crashed writer's) are never applied.
        if (_spec.ReadCommitted) config.IsolationLevel = IsolationLevel.ReadCommitted;
        if (!string.IsNullOrEmpty(GroupInstanceId))
            config.GroupInstanceId = GroupInstanceId;
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler(SeekPastSnapshot)
            .SetPartitionsRevokedHandler((_, partitions) => Revoke(partitions))
            .SetPartitionsLostHandler((_, partitions) => Revoke(partitions))
            .LogLinesTo(_clientLog)
            .SetErrorHandler((client, error) =>
            {
                if (error.IsFatal) _health.Fail(_spec.Name, $"fatal Kafka error: {error.Reason}");
                else _clientLog.OnError(client.Name, error);
            })
            .Build();
        try
        {
            await ConsumeUntilStoppedAsync(consumer);
        }
        finally
        {
            await CloseAsync(consumer);
        }
    }

    /// <summary>Closes (leaves the group) within <see cref="CloseTimeout"/>; a close that does not end is abandoned, not disposed
    /// (disposing would close again and block the same way); the process exit releases it.</summary>
    private async Task CloseAsync(IConsumer<byte[]?, byte[]?> consumer)
    {
        var close = DedicatedThread.Run(() =>
        {
            consumer.Close();
            consumer.Dispose();
        }, "close consumer");
        if (await Task.WhenAny(close, Task.Delay(CloseTimeout)) != close)
        {
            _logger.LogWarning("The consumer did not leave group {Group} within {Timeout} (a rebalance in progress); the group will drop it after its session timeout",
                _spec.GroupId, CloseTimeout);
            return;
        }
        await close;
    }

    private async Task ConsumeUntilStoppedAsync(IConsumer<byte[]?, byte[]?> consumer)
    {
        consumer.Subscribe(_spec.InputTopic);
        var committed = new Dictionary<int, long>();
        var lastCommit = Environment.TickCount64;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // Returns as soon as a record is there; the wait bounds only how late an idle stage commits its last acknowledged offsets.
                var result = consumer.Consume(IdleWait);
                if (result is not null && !result.IsPartitionEOF)
                {
                    _position[result.Partition.Value] = result.Offset.Value + 1;
                    var message = result.Message;
                    var write = await _records.ToWriteAsync(new StateInput(result.Topic, result.Partition.Value, result.Offset.Value,
                        message.Key, message.Value, message.Headers, message.Timestamp.UnixTimestampMs));
                    if (write is not null)
                        await _writer.WriteAsync(write, _stop.Token);
                }
                if (Environment.TickCount64 - lastCommit >= 20)
                {
                    CommitAcknowledged(consumer, committed);
                    lastCommit = Environment.TickCount64;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        // Graceful stop: everything handed to the writer reaches Redis, then its offsets are committed.
        using var drain = new CancellationTokenSource(DrainTimeout);
        try
        {
            await _writer.FlushAsync(drain.Token);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Redis did not acknowledge everything within {Timeout}; uncommitted records will be redelivered", DrainTimeout);
        }
        CommitAcknowledged(consumer, committed);
    }

    /// <summary>
    /// Where each newly assigned partition resumes: after the offset Redis recorded (snapshot first; it can be ahead of
    /// the group's commit, as Redis is written first), unless Redis lost that partition's writes: then live
    /// consumption resumes at the group's committed offset and everything before it is rebuilt in the background.
    /// </summary>
    private IEnumerable<TopicPartitionOffset> SeekPastSnapshot(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        if (partitions.Count > 0)
            _logger.LogInformation("Stage {Stage}: partitions [{Partitions}] assigned", _spec.Name, string.Join(",", partitions.Select(p => p.Partition.Value)));
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(30))
            .Where(c => c.Offset.Value >= 0)
            .ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
        // Read now, not at start: a partition taken over from another pod resumes where that pod's writes got to.
        var ids = partitions.Select(p => p.Partition.Value).ToList();
        var applied = RedisStateReader.ReadOffsets(_redis.GetDatabase(), _spec.Name, RedisKeyspace.OffsetsPrefix, ids);
        var starts = _loss.Assign(ids, applied, committed);
        Counters.OnJoined();
        foreach (var tp in partitions)
            Counters.OnAssigned(tp.Partition.Value);
        _assigned.TrySetResult();
        return starts.Select(s =>
        {
            if (s.Start is { } start) _position[s.Partition] = start;
            return new TopicPartitionOffset(_spec.InputTopic, s.Partition, s.Start is { } at ? new Offset(at) : Offset.Unset);
        }).ToList();
    }

    /// <summary>Partitions no longer ours: their loss checks and rebuilds stop here (the next owner takes them over).</summary>
    private void Revoke(List<TopicPartitionOffset> partitions)
    {
        // One line per rebalance: the pod's log then shows where a scale event's pause goes (revoke, assignment).
        if (partitions.Count > 0)
            _logger.LogInformation("Stage {Stage}: partitions [{Partitions}] revoked", _spec.Name, string.Join(",", partitions.Select(p => p.Partition.Value)));
        foreach (var tpo in partitions)
        {
            Counters.OnRevoked(tpo.Partition.Value);
            _position.TryRemove(tpo.Partition.Value, out _);
        }
        _loss.Revoke(partitions.Select(p => p.Partition.Value));
    }

    private void OnAcknowledged(BatchAcknowledged batch)
    {
        _records.OnAcknowledged(batch);
        _loss.OnAcknowledged(batch);
        Lag.OnAcknowledged(batch);
        foreach (var (partition, offset) in batch.HighestOffsetByPartition)
            _acknowledged.AddOrUpdate(partition, offset, (_, old) => Math.Max(old, offset));
        Acknowledged?.Invoke(batch);
    }

    private void CommitAcknowledged(IConsumer<byte[]?, byte[]?> consumer, Dictionary<int, long> committed)
    {
        List<TopicPartitionOffset>? toCommit = null;
        foreach (var (partition, offset) in _acknowledged)
        {
            if (committed.TryGetValue(partition, out var done) && done >= offset) continue;
            (toCommit ??= new()).Add(new TopicPartitionOffset(_spec.InputTopic, partition, offset + 1));
            committed[partition] = offset;
        }
        if (toCommit is null) return;
        try
        {
            consumer.Commit(toCommit);
        }
        catch (KafkaException ex)
        {
            // Typically "rebalance in progress" or a partition no longer ours; Redis holds the truth and the
            // next commit (or the snapshot offsets) covers it.
            foreach (var tpo in toCommit) committed.Remove(tpo.Partition.Value);
            _logger.LogInformation("Commit skipped ({Reason}); the next commit or Redis's recorded offsets cover it", ex.Error.Reason);
        }
    }

    private async Task<bool> RestoreNewestSnapshotAsync(string directory)
    {
        if (RedisSnapshots.Newest(directory, _spec.Name) is not { } file)
        {
            _logger.LogWarning("Redis has no state of stage {Stage} and {Directory} holds no snapshot of it", _spec.Name, directory);
            return false;
        }
        try
        {
            var loaded = await StageRestore.LoadSnapshotAsync(_redis, _spec, file, _stop.Token);
            _logger.LogWarning("Redis had no state of stage {Stage}: loaded {Hashes} hashes and {Tombstones} tombstones from {File}; the tail after its offsets is replayed",
                _spec.Name, loaded.Hashes, loaded.Tombstones, file);
            return true;
        }
        catch (SnapshotFormatException error)
        {
            _logger.LogError("Snapshot {File} refused ({Reason}); rebuilding from the topic instead", file, error.Message);
            return false;
        }
    }

    /// <summary>Writes a snapshot every <paramref name="every"/>, keeping the newest three.</summary>
    private async Task SaveSnapshotsAsync(string directory, TimeSpan every)
    {
        Directory.CreateDirectory(directory);
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    var file = Path.Combine(directory, RedisSnapshots.FileName(_spec.Name));
                    var records = await RedisSnapshots.SaveAsync(_redis, _spec.Name, _spec.KeyPattern, RedisKeyspace.OffsetsPrefix, file, _stop.Token);
                    _logger.LogInformation("Snapshot of stage {Stage}: {Records} records to {File}", _spec.Name, records, file);
                    foreach (var old in Directory.GetFiles(directory, $"{_spec.Name}-*{RedisSnapshots.Extension}").Order(StringComparer.Ordinal).SkipLast(3))
                        File.Delete(old);
                }
                catch (Exception error) when (error is RedisException or TimeoutException or IOException)
                {
                    _logger.LogWarning(error, "Snapshot of stage {Stage} skipped", _spec.Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// How long a stop may take in all: the drain (<see cref="DrainTimeout"/>), the commit and the consumer's close, the
    /// writer and the dead-letter producer. Whatever is still waiting for an unreachable broker or a hung Redis then is
    /// left behind (logged): what Redis did not acknowledge, or Kafka did not commit, is redelivered through the fence.
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public async ValueTask DisposeAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _stop.Cancel(); // the consumer loop drains, commits and closes while the rest stops
        var loss = _loss.DisposeAsync().AsTask();
        var finished = await StopWithin(loss, "the loss checks and rebuilds", clock);
        if (_snapshots is not null) finished &= await StopWithin(_snapshots, "the snapshot writer", clock);
        if (_loop is not null) finished &= await StopWithin(_loop, "the consumer's drain, commit and close", clock);
        finished &= await StopWithin(_writer.DisposeAsync().AsTask(), "the Redis writer", clock);
        finished &= await StopWithin(DedicatedThread.Run(_deadLetters.Dispose, "close dead letters"), "the dead-letter producer", clock);
        if (finished)
            _stop.Dispose(); // else something left behind may still look at it
    }

    /// <summary>Waits for one part of the stop within what is left of <see cref="StopTimeout"/>; false when it was left behind.</summary>
    private async Task<bool> StopWithin(Task stopping, string what, System.Diagnostics.Stopwatch clock)
    {
        var left = StopTimeout - clock.Elapsed;
        try
        {
            await stopping.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            return true;
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Stopping stage {Stage}: {What} did not finish within {Timeout} (broker or Redis unreachable?); left behind: " +
                "records not acknowledged by Redis or not committed are redelivered to the next owner and fenced", _spec.Name, what, StopTimeout);
            return false;
        }
        catch (Exception error)
        {
            _logger.LogError(error, "Stopping stage {Stage}: {What} ended with an error", _spec.Name, what);
            return true;
        }
    }
}
