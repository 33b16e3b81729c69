using System.Collections.Concurrent;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Stages;
using ContactCenter.Processor.Threading;
using ContactCenter.Stores.Faster;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Runs one window stage (<see cref="WindowStageSpec"/>): a plain consumer of its group that counts each partition's
/// records into that partition's <see cref="FasterWindowStore"/> (<see cref="WindowCounter"/>) and writes every updated
/// window to Redis (<see cref="WindowHashWriter"/>). Records are handled in batches: count, produce the store's changelog
/// records (then wait until the broker has them), write the windows to Redis (then wait until Redis acknowledged them),
/// and only then commit the batch's input offsets. A crash anywhere in between is harmless: the next owner restores the
/// partition's store from the changelog, reads from the committed offset, re-emits the windows of records it already
/// counted and counts the others; the Redis script keeps the highest offset per partition and window, so nothing is
/// counted twice. A partition assigned to this pod is first restored from its changelog partition (same number).
/// Late and malformed records go to the dead-letter topic; nothing a record holds stops the partition.
/// </summary>
internal sealed class WindowStageHost : IAsyncDisposable
{
    private const int MaxBatch = 2000;
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(200);

    private readonly WindowStageSpec _spec;
    private readonly KafkaClientSettings _kafka;
    private readonly WindowHashWriter _writer;
    private readonly KafkaClientLog _clientLog;
    private long _windowsRepaired;
    private readonly StageHealth _health;
    private readonly ILogger _logger;
    private readonly string _stateDirectory;
    private readonly KafkaDeadLetterSink _deadLetters;
    private readonly IProducer<byte[], byte[]?> _changelog;
    private readonly ConcurrentDictionary<int, FasterWindowStore> _stores = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private string? _changelogError;

    public WindowStageHost(WindowStageSpec spec, KafkaClientSettings kafka, IConnectionMultiplexer redis, ILoggerFactory logs, StageHealth health, string stateDirectory)
    {
        _spec = spec;
        _kafka = kafka;
        _health = health;
        _stateDirectory = Path.Combine(stateDirectory, "windows", spec.GroupId);
        _logger = logs.CreateLogger($"ContactCenter.{spec.Name}");
        _writer = new WindowHashWriter(redis.GetDatabase(), spec.Ttl, _logger);
        _deadLetters = new KafkaDeadLetterSink(kafka, spec.DeadLetterTopic, logs.CreateLogger($"ContactCenter.{spec.Name}.DeadLetter"));
        _clientLog = new KafkaClientLog(_logger);
        _changelog = new ProducerBuilder<byte[], byte[]?>(kafka.Producer($"{spec.Name}.changelog")).LogTo(_clientLog).Build();
    }

    public WindowStageSpec Spec => _spec;

    public StageCounters Counters { get; } = new();

    public long DeadLettered => _deadLetters.Sent;

    /// <summary>Windows written to Redis whose write applied (a replay's writes do not).</summary>
    public long WindowWrites => Interlocked.Read(ref _windowWrites);
    private long _windowWrites;

    /// <summary>How long a stop may wait for the loop to finish its batch and close.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The live windows of the partitions this pod owns (the demo's check).</summary>
    public IReadOnlyList<(int Partition, string Group, long Start, long Count)> Windows() =>
        _stores.SelectMany(s => s.Value.Windows().Select(w => (s.Key, w.Group, w.Start, w.Count.Count))).ToList();

    public async Task StartAsync(CancellationToken ct)
    {
        _loop = Task.Factory.StartNew(GuardedLoop, TaskCreationOptions.LongRunning).Unwrap();
        await Task.WhenAny(_assigned.Task, _loop).WaitAsync(ct);
        if (_loop.IsFaulted) await _loop;
    }

    private async Task GuardedLoop()
    {
        try
        {
            await Loop();
        }
        catch (Exception error)
        {
            _health.Fail(_spec.Name, "the window loop stopped", error);
            throw;
        }
    }

    private async Task Loop()
    {
        var config = _kafka.StageConsumer(_spec.GroupId, _spec.Name);
        if (_spec.ReadCommitted) config.IsolationLevel = IsolationLevel.ReadCommitted;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((c, partitions) => Assign(c, partitions))
            .SetPartitionsRevokedHandler((_, partitions) => Revoke(partitions))
            .SetPartitionsLostHandler((_, partitions) => Revoke(partitions))
            .LogLinesTo(_clientLog)
            .SetErrorHandler((client, error) =>
            {
                if (error.IsFatal) _health.Fail(_spec.Name, $"fatal Kafka error: {error.Reason}");
                else _clientLog.OnError(client.Name, error);
            })
            .Build();
        consumer.Subscribe(_spec.InputTopic);
        var outcome = new WindowOutcome();
        var updates = new Dictionary<(string Key, int Partition), WindowHashWrite>();
        var next = new Dictionary<int, long>();
        var lastReassert = Environment.TickCount64;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = consumer.Consume(IdleWait);
                var count = 0;
                while (result is not null && !result.IsPartitionEOF)
                {
                    var partition = result.Partition.Value;
                    if (_stores.TryGetValue(partition, out var store))
                    {
                        Process(store, result, outcome, updates);
                        next[partition] = result.Offset.Value + 1;
                        Counters.OnConsumed();
                    }
                    else
                    {
                        // Not restored here (revoked in this batch): the owner re-reads it from the last commit.
                        _logger.LogWarning("Window {Window}: record {Partition}@{Offset} of a partition this pod does not own was skipped", _spec.Name, partition, result.Offset.Value);
                    }
                    if (++count >= MaxBatch) break;
                    result = consumer.Consume(TimeSpan.Zero);
                }
                if (next.Count > 0) await CompleteBatchAsync(consumer, updates, next);
                if (Environment.TickCount64 - lastReassert >= (long)ReassertInterval.TotalMilliseconds)
                {
                    await ReassertAsync();
                    lastReassert = Environment.TickCount64;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        try
        {
            if (next.Count > 0) await CompleteBatchAsync(consumer, updates, next);
        }
        catch (Exception error) when (error is RedisException or TimeoutException or OperationCanceledException)
        {
            // Stopping while Redis is away: nothing was committed for this batch, so its next owner counts it again.
            _logger.LogWarning("Window {Window}: the last batch was not written before the stop ({Reason}); its next owner re-reads it", _spec.Name, error.Message);
        }
        consumer.Close();
    }

    private void Process(FasterWindowStore store, ConsumeResult<byte[]?, byte[]?> result, WindowOutcome outcome, Dictionary<(string, int), WindowHashWrite> updates)
    {
        var partition = result.Partition.Value;
        var offset = result.Offset.Value;
        var message = result.Message;
        outcome.Clear();
        try
        {
            var record = WindowRecordStep.Read(_spec, message.Key, message.Value);
            if (record.Reject is { } reject) outcome.DeadLetterReason = reject;
            else if (record.Selected) WindowCounter.Count(_spec, store, partition, offset, record, outcome);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            outcome.Clear();
            outcome.DeadLetterReason = RecordFailure.Describe(error);
        }
        if (outcome.DeadLetterReason is { } reason)
        {
            _deadLetters.Send(result.Topic, partition, offset, message.Key, message.Value, message.Headers, reason);
            return;
        }
        foreach (var entry in outcome.Changelog)
        {
            _changelog.Produce(new TopicPartition(_spec.ChangelogTopic, new Partition(partition)), new Message<byte[], byte[]?> { Key = entry.Key, Value = entry.Value },
                report =>
                {
                    if (report.Error.IsError) _changelogError ??= report.Error.Reason;
                });
        }
        foreach (var u in outcome.Updates)
            updates[(u.RedisKey, u.Partition)] = new WindowHashWrite(u.RedisKey, u.Partition, u.Offset, u.Count, u.Start, u.End);
        if (outcome.Updates.Count > 0) Counters.OnApplied(1);
    }

    /// <summary>How often the stage writes its live windows to Redis again (<see cref="ReassertAsync"/>).</summary>
    public TimeSpan ReassertInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Window hashes Redis had lost or held older, written again from the store (<see cref="ReassertAsync"/>).</summary>
    public long WindowsRepaired => Interlocked.Read(ref _windowsRepaired);

    /// <summary>
    /// Redis can lose window hashes (emptied, a failover to a replica that lagged, a restore of an older dump) and the state
    /// stage's loss watch does not cover them. So every <see cref="ReassertInterval"/> each owned partition's live windows
    /// are written again from the store, between batches (nothing pending). The script applies a share only where the hash
    /// holds no offset or an older one for that partition: an intact hash changes nothing, not even its TTL, and a lost
    /// one comes back with its exact count as every owner re-asserts its own share. A window that ended more than a TTL
    /// ago is left to expire. Costs one script call per live window per interval (tens to hundreds).
    /// </summary>
    private async Task ReassertAsync()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var size = (long)_spec.Size.TotalMilliseconds;
        var ttl = (long)_spec.Ttl.TotalMilliseconds;
        var writes = new List<WindowHashWrite>();
        foreach (var (partition, store) in _stores)
        {
            foreach (var (group, start, count) in store.Windows())
            {
                if (start + size + ttl < now) continue;
                writes.Add(new WindowHashWrite(WindowCounter.RedisKey(_spec, group, start), partition, count.Offset, count.Count, start, start + size));
            }
        }
        if (writes.Count == 0) return;
        try
        {
            var repaired = await _writer.WriteAsync(writes, _stop.Token);
            if (repaired > 0)
            {
                Interlocked.Add(ref _windowsRepaired, repaired);
                _logger.LogWarning("Window {Window}: {Repaired} window share(s) Redis had lost or held older were written again from the store", _spec.Name, repaired);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping while Redis is away: the next owner re-asserts.
        }
    }

    /// <summary>Changelog durable, then Redis acknowledged, then the offsets committed.</summary>
    private async Task CompleteBatchAsync(IConsumer<byte[]?, byte[]?> consumer, Dictionary<(string, int), WindowHashWrite> updates, Dictionary<int, long> next)
    {
        if (_changelog.Flush(TimeSpan.FromSeconds(30)) > 0)
            throw new KafkaException(new Error(ErrorCode.Local_TimedOut, $"changelog {_spec.ChangelogTopic}: records not acknowledged within 30 s"));
        if (_changelogError is { } error)
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"changelog {_spec.ChangelogTopic} refused a record: {error}"));
        // Retried while Redis is away (a failover, a timeout): the offsets are committed only once it answered.
        Interlocked.Add(ref _windowWrites, await _writer.WriteAsync(updates.Values, _stop.Token));
        updates.Clear();
        var offsets = next.Where(n => _stores.ContainsKey(n.Key))
            .Select(n => new TopicPartitionOffset(_spec.InputTopic, n.Key, n.Value)).ToList();
        next.Clear();
        if (offsets.Count == 0 || SkipCommits) return;
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException ex)
        {
            // A rebalance took the partitions: the next owner re-reads from the last commit and the fences hold.
            _logger.LogInformation("Commit skipped ({Reason}); the next owner re-reads and re-emits what was counted", ex.Error.Reason);
        }
    }

    /// <summary>A partition's store is rebuilt from its changelog partition before its first record is counted.</summary>
    /// <returns>Where each partition starts: after the group's committed offset, or at the beginning when it has none
    /// (said explicitly: a partition whose restore took a while must not leave it to a reset that may come too late).</returns>
    private List<TopicPartitionOffset> Assign(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        if (partitions.Count == 0) { Counters.OnJoined(); _assigned.TrySetResult(); return []; }
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(30))
            .ToDictionary(c => c.Partition.Value, c => c.Offset.Value >= 0 ? c.Offset : Offset.Beginning);
        var config = _kafka.Consumer(_spec.GroupId + ".restore", _spec.Name + ".restore");
        config.EnablePartitionEof = true;
        using var restore = new ConsumerBuilder<byte[], byte[]?>(config).LogTo(_clientLog).Build();
        _logger.LogInformation("Window {Window}: assigned {Partitions}", _spec.Name, string.Join(",", partitions.Select(p => p.Partition.Value)));
        foreach (var tp in partitions)
        {
            var partition = tp.Partition.Value;
            // An assignment of a partition this pod still holds (a lost partition handed back): start from its changelog again.
            if (_stores.TryRemove(partition, out var held)) held.Dispose();
            var directory = Path.Combine(_stateDirectory, partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var store = new FasterWindowStore(directory, _spec.Retention);
            var changelog = new TopicPartition(_spec.ChangelogTopic, new Partition(partition));
            var high = restore.QueryWatermarkOffsets(changelog, TimeSpan.FromSeconds(30)).High.Value;
            var restored = 0L;
            if (high > 0)
            {
                restore.Assign(new TopicPartitionOffset(changelog, Offset.Beginning));
                while (true)
                {
                    var r = restore.Consume(TimeSpan.FromSeconds(30)) ?? throw new TimeoutException($"restoring {changelog}: no record within 30 s");
                    if (!r.IsPartitionEOF)
                    {
                        store.Restore(r.Message.Key, r.Message.Value);
                        restored++;
                    }
                    if (r.IsPartitionEOF || r.Offset.Value + 1 >= high) break;
                }
                restore.Unassign();
            }
            if (store.Progress is { } progress) store.Expire(progress.StreamTime, []);
            _stores[partition] = store;
            Counters.OnAssigned(partition);
            _logger.LogInformation("Window {Window}: partition {Partition} restored from {Records} changelog records ({Windows} windows)", _spec.Name, partition, restored, store.WindowCount);
        }
        Counters.OnJoined();
        _assigned.TrySetResult();
        return partitions.Select(tp => new TopicPartitionOffset(tp, committed.GetValueOrDefault(tp.Partition.Value, Offset.Beginning))).ToList();
    }

    private void Revoke(List<TopicPartitionOffset> partitions)
    {
        _logger.LogInformation("Window {Window}: revoked {Partitions}", _spec.Name, string.Join(",", partitions.Select(p => p.Partition.Value)));
        // The changelog records already produced reach the broker before the next owner restores from it.
        _changelog.Flush(TimeSpan.FromSeconds(30));
        foreach (var tpo in partitions)
        {
            if (_stores.TryRemove(tpo.Partition.Value, out var store)) store.Dispose();
            Counters.OnRevoked(tpo.Partition.Value);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Within StopTimeout in all, whatever is down: what waits for the broker past it is left behind (the next owner
        // re-reads what was not committed and the fences hold).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _stop.Cancel();
        var loopEnded = true;
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(StopTimeout);
            }
            catch (Exception error) when (error is TimeoutException or OperationCanceledException or KafkaException or RedisException)
            {
                loopEnded = _loop.IsCompleted;
                _logger.LogWarning("Stopping window {Window}: {Error}; what was not committed is re-read by the next owner", _spec.Name, error.Message);
            }
        }
        if (loopEnded)
        {
            // Only once the loop is done with them; a loop left behind keeps its stores until the process ends.
            foreach (var store in _stores.Values) store.Dispose();
            _stores.Clear();
        }
        var left = StopTimeout - clock.Elapsed;
        var closing = DedicatedThread.Run(() =>
        {
            _changelog.Flush(TimeSpan.FromSeconds(5));
            _changelog.Dispose();
            _deadLetters.Dispose();
        }, "close window clients");
        try
        {
            await closing.WaitAsync(left > TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
            if (loopEnded) _stop.Dispose();
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Stopping window {Window}: the changelog and dead-letter producers did not close within {Timeout}; left behind", _spec.Name, StopTimeout);
        }
    }

    /// <summary>Never commit input offsets from now on: what a pod killed after its Redis writes leaves behind, every
    /// record since the last commit is read again by the next owner (tests).</summary>
    internal bool SkipCommits { get; set; }
}
