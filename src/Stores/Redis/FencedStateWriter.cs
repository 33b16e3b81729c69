using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// Writes agent state to Redis off the caller's thread: writes are queued (bounded: the caller is slowed down, never
/// refused), pipelined in batches by one background loop, and each goes through the fence script, which applies it
/// only when its (partition, offset) is newer than what the key holds and records the stage's progress for the
/// partition atomically with the data. After Redis acknowledged a whole batch, <see cref="Acknowledged"/> is raised;
/// that is the moment the source offsets of the batch may be committed.
/// </summary>
/// <remarks>
/// Transient Redis failures (connection lost, timeouts, LOADING, ...) are retried with back-off, forever and in order:
/// nothing is dropped. A write refused for itself (WRONGTYPE: its key holds a foreign value) changes nothing and is
/// reported in <see cref="BatchAcknowledged.Rejected"/>; the batch goes on. Any other failure that cannot heal faults
/// the writer at once (logged, <see cref="Faulted"/> raised): later <see cref="WriteAsync"/> and <see cref="FlushAsync"/>
/// calls throw, and the unacknowledged writes are left to the source's replay.
/// </remarks>
public sealed partial class FencedStateWriter : IAsyncDisposable
{
    private readonly IDatabase _db;
    private readonly string _stage;
    private readonly FencedWriterOptions _options;
    private readonly ILogger _logger;
    private readonly long _tombstoneTtlMs;
    private readonly Channel<Item> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<int, RedisKey> _offsetKeys = new(); // touched by the loop only
    private readonly Dictionary<int, long> _floors = new(); // highest acknowledged offset per partition; loop only
    private readonly System.Collections.Concurrent.ConcurrentQueue<(int Partition, long? Offset)> _floorChanges = new();
    private readonly Task _loop;
    private long _pending;
    private bool _sendScriptText = true; // loop only: until Redis answered one call, it may not hold the script
    private bool _generationRead; // loop only: the stage's generation is read once, before its first batch
    private StageGeneration? _generation;
    private bool _cutOverSeen; // loop only, on a cluster: the generation's cut-over key, read before each batch until found
    private readonly UpkeepCall? _upkeep; // counts and time in state, when the stage keeps any
    private readonly IConnectionMultiplexer _redis;
    private readonly ClusterProgress? _cluster; // set on a Redis Cluster: progress per (partition, slot)
    private int _checkPending; // 1 while a progress check after a topology change is due or running
    private int _disposed;
    private volatile Exception? _fault;

    /// <summary>Starts the background loop writing to <paramref name="redis"/>'s default database for <paramref name="stage"/>.</summary>
    public FencedStateWriter(IConnectionMultiplexer redis, string stage, FencedWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        _options = options ?? new FencedWriterOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBatch, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.WritesPerCall, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.QueueCapacity, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.TombstoneTtl, TimeSpan.FromMilliseconds(1), nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.OffsetsKeyPrefix, nameof(options));

        _db = redis.GetDatabase();
        _redis = redis;
        _stage = stage;
        if (_options.Cluster ?? ClusterSlots.IsCluster(redis))
        {
            _cluster = new ClusterProgress(_options.OffsetsKeyPrefix, stage);
            redis.ConfigurationChanged += OnTopologyChanged;
            redis.ConnectionRestored += OnTopologyChanged;
            redis.ConnectionFailed += OnTopologyChanged;
        }
        _logger = _options.Logger ?? NullLogger.Instance;
        _upkeep = _options.Upkeep is { IsEmpty: false } upkeep ? new UpkeepCall(upkeep) : null;
        _tombstoneTtlMs = (long)_options.TombstoneTtl.TotalMilliseconds;
        _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Raised from the writer loop after Redis acknowledged a batch. Keep handlers short: the next batch
    /// waits for them. Exceptions thrown by handlers are logged and otherwise ignored.</summary>
    public event Action<BatchAcknowledged>? Acknowledged;

    /// <summary>Raised once, from the writer loop, when the writer stopped on a failure that cannot heal.</summary>
    public event Action<Exception>? Faulted;

    /// <summary>Writes enqueued and not yet acknowledged (queued or in flight).</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Enqueues a write and returns without waiting for Redis; waits only while the queue is full.</summary>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    /// <exception cref="InvalidOperationException">The writer faulted on an error that cannot heal (see inner exception).</exception>
    public ValueTask WriteAsync(AgentStateWrite write, CancellationToken ct = default)
    {
        Validate(write);
        Interlocked.Increment(ref _pending);
        var enqueued = _queue.Writer.WriteAsync(new Item(write, null), ct);
        return enqueued.IsCompletedSuccessfully ? default : AwaitEnqueue(enqueued);
    }

    private async ValueTask AwaitEnqueue(ValueTask enqueued)
    {
        try
        {
            await enqueued.ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Decrement(ref _pending);
            throw Closed();
        }
        catch
        {
            Interlocked.Decrement(ref _pending);
            throw;
        }
    }

    /// <summary>
    /// Tells the writer that Redis already recorded <paramref name="offset"/> for <paramref name="partition"/> (read at
    /// assignment), so that the first write after Redis lost it is flagged as regressed like any later one; null forgets
    /// the partition (revoked). Applied before the next batch; callable from any thread.
    /// </summary>
    public void SetFloor(int partition, long? offset) => _floorChanges.Enqueue((partition, offset));

    /// <summary>Completes when every write enqueued before the call has been acknowledged by Redis.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        if (Pending == 0 && _fault is null)
            return;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await _queue.Writer.WriteAsync(new Item(null, done), ct).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw Closed();
        }
        await done.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Stops accepting writes, drains the queue into Redis (up to <see cref="FencedWriterOptions.ShutdownTimeout"/>)
    /// and stops the loop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        if (_cluster is not null)
        {
            _redis.ConfigurationChanged -= OnTopologyChanged;
            _redis.ConnectionRestored -= OnTopologyChanged;
            _redis.ConnectionFailed -= OnTopologyChanged;
        }
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(_options.ShutdownTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogError("Fenced writer for stage {Stage}: Redis did not take the last {Pending} writes within {Timeout}; abandoning them (not acknowledged)",
                _stage, Pending, _options.ShutdownTimeout);
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false); // the loop never throws: it records faults instead
        }
        _stop.Dispose();
    }

    private Exception Closed() => _fault is { } fault
        ? new InvalidOperationException($"The fenced writer for stage '{_stage}' stopped on an error that retrying cannot fix.", fault)
        : new ObjectDisposedException(nameof(FencedStateWriter));

    private static void Validate(AgentStateWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(write.Key, nameof(write));
        if (write.Partition < 0 || write.Offset < 0 || write.SourceTimestampMs < 0)
            throw new ArgumentOutOfRangeException(nameof(write), "Partition, offset and source timestamp must not be negative.");
        if (write.PartVersions is { } versions && !PartVersionVector.IsValid(versions))
            throw new ArgumentException($"Part versions '{versions}' are not name=version pairs separated by commas.", nameof(write));
        if (write.Fields is { } fields)
        {
            foreach (var field in fields)
            {
                if (field.Key is null || field.Value is null)
                    throw new ArgumentException("Field names and values must not be null.", nameof(write));
                if (FenceScript.IsFenceField(field.Key))
                    throw new ArgumentException($"Field '{field.Key}' is reserved for the write fence.", nameof(write));
            }
        }
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<AgentStateWrite>(_options.MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (batch.Count < _options.MaxBatch && reader.TryRead(out var item))
                {
                    if (item.Flush is { } flush)
                    {
                        // A flush marker closes the batch: it completes once everything before it is acknowledged.
                        flushes.Add(flush);
                        break;
                    }
                    batch.Add(item.Write!);
                }
                if (batch.Count > 0)
                {
                    await WriteBatchAsync(batch).ConfigureAwait(false);
                    batch.Clear();
                }
                foreach (var flush in flushes)
                    flush.TrySetResult();
                flushes.Clear();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            Stop(flushes, new ObjectDisposedException(nameof(FencedStateWriter)));
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) == 1)
        {
            // A stop that went on without this writer (Redis away past its share of the grace period) closed the
            // connection under it: part of that stop, not a fault. Nothing here was acknowledged, so it is redelivered.
            _logger.LogWarning("Fenced writer for stage {Stage} stopped with the Redis connection closed: {Count} writes not applied (not acknowledged, so redelivered)",
                _stage, Pending);
            Stop(flushes, new ObjectDisposedException(nameof(FencedStateWriter)));
        }
        catch (Exception error)
        {
            _logger.LogError(error, "Fenced writer for stage {Stage} stopped: {Count} writes were not applied", _stage, Pending);
            _fault = error;
            Stop(flushes, Closed());
            try { Faulted?.Invoke(error); }
            catch (Exception handler) { _logger.LogError(handler, "Fenced writer for stage {Stage}: a Faulted handler threw", _stage); }
        }
    }

    /// <summary>Refuses further writes and fails every flush still waiting, so that no caller hangs.</summary>
    private void Stop(List<TaskCompletionSource> flushes, Exception reason)
    {
        _queue.Writer.TryComplete(reason);
        foreach (var flush in flushes)
            flush.TrySetException(reason);
        while (_queue.Reader.TryRead(out var item))
            item.Flush?.TrySetException(reason);
    }

    private async Task WriteBatchAsync(List<AgentStateWrite> batch)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!_generationRead)
            await ReadGenerationAsync().ConfigureAwait(false);
        if (_cluster is not null && _generation is not null && !_cutOverSeen)
            await ReadCutOverAsync().ConfigureAwait(false);
        while (_floorChanges.TryDequeue(out var change))
        {
            if (change.Offset is { } floor) _floors[change.Partition] = Math.Max(_floors.GetValueOrDefault(change.Partition, -1), floor);
            else _floors.Remove(change.Partition);
        }
        var (writes, slotOf) = WriteCoalescing.Coalesce(batch);
        var plan = _cluster is null ? CallPlan.Single(writes, _options.WritesPerCall) : CallPlan.BySlot(writes, _options.WritesPerCall);
        var callCount = plan.Calls.Length;
        var calls = new (RedisKey[] Keys, RedisValue[] Args)[callCount];
        for (var c = 0; c < callCount; c++)
        {
            var (first, count, hashSlot) = plan.Calls[c];
            var slice = plan.Writes.AsSpan(first, count);
            calls[c] = _cluster is { } cluster
                ? FenceScript.Call(slice, _tombstoneTtlMs, p => cluster.Key(p, hashSlot), p => cluster.Floor(p, hashSlot), clustered: true,
                    generation: _generation, cutOverSeen: _cutOverSeen, upkeep: _upkeep is { } u ? (u, u.Keys(hashSlot)) : null)
                : FenceScript.Call(slice, _tombstoneTtlMs, OffsetsKey, p => _floors.TryGetValue(p, out var floor) ? floor : null, generation: _generation,
                    upkeep: _upkeep is { } v ? (v, v.Keys()) : null);
        }

        var slotResults = new long[writes.Count];
        List<(AgentStateWrite, string)>? rejected = null;
        // Retry from the first call that failed, in order: the ones after it are sent again even if they succeeded,
        // which the fence turns into no-ops, so order and exactly-once state both hold.
        var from = 0;
        for (var attempt = 0; ; attempt++)
        {
            var pipeline = _db.CreateBatch();
            var sent = new Task<RedisResult>[callCount - from];
            for (var c = from; c < callCount; c++)
            {
                // By hash once Redis has the script; the first call after Redis lost its script cache sends the text,
                // which loads it for the calls pipelined behind it. On a cluster the calls go to several servers, so
                // each of them carries the text then.
                sent[c - from] = _sendScriptText && (c == from || _cluster is not null)
                    ? pipeline.ScriptEvaluateAsync(FenceScript.Source, calls[c].Keys, calls[c].Args)
                    : pipeline.ScriptEvaluateAsync(FenceScript.Sha1, calls[c].Keys, calls[c].Args);
            }
            pipeline.Execute();
            var all = Task.WhenAll(sent);
            try
            {
                // Cancellable only by the shutdown timeout: the calls are abandoned (never acknowledged) then.
                await all.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                _ = all.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }
            catch
            {
                // Inspected per call below.
            }

            var firstFailed = -1;
            for (var c = from; c < callCount && firstFailed < 0; c++)
            {
                var call = sent[c - from];
                var (first, count, _) = plan.Calls[c];
                if (call.IsCompletedSuccessfully)
                {
                    for (var i = 0; i < count; i++)
                    {
                        var slot = plan.Origin(first + i);
                        var (result, refused) = FenceScript.Result(call.Result, i);
                        slotResults[slot] = result;
                        if (refused is not null)
                        {
                            slotResults[slot] = Refused;
                            (rejected ??= new()).Add((writes[slot].Write, refused));
                        }
                    }
                }
                else if (call.Exception?.GetBaseException() is { } refused && RedisFailures.IsRecordBound(refused))
                {
                    // The script could not even read a progress key: every write of the call is refused alike.
                    for (var i = 0; i < count; i++)
                    {
                        var slot = plan.Origin(first + i);
                        slotResults[slot] = Refused;
                        (rejected ??= new()).Add((writes[slot].Write, refused.Message));
                    }
                }
                else
                {
                    firstFailed = c;
                }
            }
            if (firstFailed < 0)
            {
                _sendScriptText = false;
                break;
            }

            var error = sent[firstFailed - from].Exception?.GetBaseException() ?? new TaskCanceledException();
            from = firstFailed;
            if (error is RedisServerException && error.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal) && !_sendScriptText)
            {
                // Redis restarted, failed over or flushed its scripts: send the text once, at once.
                _sendScriptText = true;
                continue;
            }
            if (!RedisFailures.IsTransient(error))
                throw error;
            if (_cluster is not null && attempt % 4 == 1)
                RefreshClusterMap(); // a node that stopped answering may have been replaced by its replica
            var delay = RedisFailures.Backoff(attempt, _options.MaxRetryDelay);
            _logger.LogWarning(error, "Fenced writer for stage {Stage}: Redis failed on call {Index} of {Count} (attempt {Attempt}); retrying in {Delay}",
                _stage, firstFailed, callCount, attempt + 1, delay);
            await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
        }

        HashSet<int>? lost = null;
        if (_cluster is { } progress)
        {
            // Per (partition, slot), what Redis now holds for certain; then the resume positions, once every call is in.
            foreach (var (first, count, hashSlot) in plan.Calls)
            {
                for (var i = first; i < first + count; i++)
                {
                    var write = plan.Writes[i].Write;
                    if (!write.Replay && slotResults[plan.Origin(i)] != Refused)
                        progress.Acknowledge(write.Partition, hashSlot, write.Offset);
                }
            }
            lost = await RaiseCheckpointsAsync(batch, i => slotOf[i] >= 0 && slotResults[slotOf[i]] != Refused).ConfigureAwait(false);
        }

        var results = new long[batch.Count];
        for (var i = 0; i < batch.Count; i++)
            results[i] = slotOf[i] < 0 ? 0 : slotResults[slotOf[i]]; // a superseded write counts as stale
        Acknowledge(batch, results, rejected, lost, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Result slot of a write Redis refused for itself.</summary>
    private const long Refused = -2;

    private void Acknowledge(List<AgentStateWrite> batch, long[] results, List<(AgentStateWrite, string)>? rejected, HashSet<int>? lost, TimeSpan elapsed)
    {
        var applied = 0;
        var enqueued = 0;
        var highest = new Dictionary<int, long>();
        var regressed = lost;
        List<AgentStateWrite>? appliedWrites = null;
        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i] >= 0 && (results[i] & FenceScript.Applied) != 0)
            {
                applied++;
                (appliedWrites ??= new(batch.Count)).Add(batch[i]);
            }
            if (results[i] >= 0 && (results[i] & FenceScript.Enqueued) != 0)
                enqueued++;
            if (results[i] >= 0 && (results[i] & FenceScript.Regressed) != 0)
                (regressed ??= []).Add(batch[i].Partition);
            var write = batch[i];
            if (!highest.TryGetValue(write.Partition, out var offset) || write.Offset > offset)
                highest[write.Partition] = write.Offset;
        }
        foreach (var write in batch)
        {
            // On a cluster the floors are the resume positions raised after the batch (RaiseCheckpointsAsync).
            if (!write.Replay && _cluster is null)
                _floors[write.Partition] = Math.Max(_floors.GetValueOrDefault(write.Partition, -1), write.Offset);
        }
        var ack = new BatchAcknowledged(batch.ToArray(), applied, batch.Count - applied - (rejected?.Count ?? 0), highest)
        {
            Rejected = (IReadOnlyList<(AgentStateWrite, string)>?)rejected ?? [],
            Regressed = (IReadOnlyCollection<int>?)regressed ?? [],
            AppliedWrites = (IReadOnlyList<AgentStateWrite>?)appliedWrites ?? [],
            Elapsed = elapsed,
            Enqueued = enqueued,
        };
        Interlocked.Add(ref _pending, -batch.Count);

        var handlers = Acknowledged;
        if (handlers is null)
            return;
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<BatchAcknowledged>)handler)(ack);
            }
            catch (Exception error)
            {
                _logger.LogError(error, "Fenced writer for stage {Stage}: an Acknowledged handler threw", _stage);
            }
        }
    }

    private RedisKey OffsetsKey(int partition)
    {
        if (!_offsetKeys.TryGetValue(partition, out var key))
        {
            key = FenceScript.OffsetsKey(_options.OffsetsKeyPrefix, _stage, partition);
            _offsetKeys[partition] = key;
        }
        return key;
    }

    /// <summary>A queued write, or a flush marker completing when everything queued before it is acknowledged.</summary>
    private readonly record struct Item(AgentStateWrite? Write, TaskCompletionSource? Flush);
}
