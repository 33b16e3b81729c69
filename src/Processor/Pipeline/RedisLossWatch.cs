using ContactCenter.Processor.Kafka;
using System.Collections.Concurrent;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Notices when Redis lost what the state stage wrote (<see cref="RedisLoss"/>): for each partition when it is
/// assigned, then for every partition this process owns, idle or not, on a timer, whenever the connection comes back and
/// at once when the fence script reports a regression. Each loss is logged as an error, counted in
/// <see cref="LossesDetected"/>, and answered with a background <see cref="RedisRebuild"/> of the lost partitions up
/// to where live consumption is, while the live stage keeps serving.
/// </summary>
/// <remarks>
/// What Redis must still hold of an owned partition is its <em>floor</em>: the offset Redis recorded when the partition
/// was assigned, raised by every batch Redis acknowledged since. The epoch is read at every check and assignment, never
/// remembered; a partition is rebuilt by at most one rebuild at a time, and a revoked partition's rebuild stops (its
/// marker stays for the next owner).
/// </remarks>
internal sealed class RedisLossWatch : IAsyncDisposable
{
    private readonly StateStageSpec _spec;
    private readonly KafkaClientSettings _kafka;
    private readonly IConnectionMultiplexer _redis;
    private readonly RecordProcessorChain _processors;
    private readonly ILogger _logger;
    private readonly Func<int, long?> _livePosition;
    private readonly Action<int, long?> _setWriterFloor;
    private readonly RedisKey _epoch;
    private readonly object _gate = new(); // decides and starts rebuilds one at a time, so none starts twice
    private readonly List<RedisRebuild> _rebuilds = [];
    private readonly ConcurrentDictionary<int, long> _floors = new(); // owned partitions: offset Redis must hold (-1: nothing yet)
    private readonly ConcurrentDictionary<int, long> _restoredUntil = new(); // restored by a tool: caught up at this offset
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Task? _checks;
    private int _epochAtStartUnused = 1; // the first assignment judges by the epoch as it was at start
    private bool _epochAtStart;
    private long _losses;

    /// <param name="livePosition">Per partition, the next offset the live consumer reads (null when unknown).</param>
    /// <param name="setWriterFloor">Tells the live writer what Redis recorded for a partition at assignment (null: revoked),
    /// so the fence script flags the first write after a loss (<see cref="FencedStateWriter.SetFloor"/>).</param>
    public RedisLossWatch(StateStageSpec spec, KafkaClientSettings kafka, IConnectionMultiplexer redis, RecordProcessorChain processors,
        ILogger logger, Func<int, long?> livePosition, Action<int, long?> setWriterFloor)
    {
        _spec = spec;
        _kafka = kafka;
        _redis = redis;
        _processors = processors;
        _logger = logger;
        _livePosition = livePosition;
        _setWriterFloor = setWriterFloor;
        _epoch = StageEpoch.Key(RedisKeyspace.EpochPrefix, spec.Name);
    }

    /// <summary>The queue stage this watch repairs (null for a state stage): its rebuilds queue lost jobs again.</summary>
    public QueueStageSpec? Queue { get; init; }

    /// <summary>How often Redis is checked while running.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Times a loss was detected (each covers one or more partitions).</summary>
    public long LossesDetected => Interlocked.Read(ref _losses);

    /// <summary>True while any rebuild is running.</summary>
    public bool IsRebuilding
    {
        get { lock (_gate) return _rebuilds.Any(r => !r.Completion.IsCompleted); }
    }

    /// <summary>Every rebuild started so far, oldest first.</summary>
    public IReadOnlyCollection<RedisRebuild> Rebuilds
    {
        get { lock (_gate) return _rebuilds.ToList(); }
    }

    /// <summary>The partitions this process owns, as the watch sees them.</summary>
    public IReadOnlyCollection<int> Owned => _floors.Keys.Order().ToList();

    /// <summary>
    /// Reads whether the epoch survived; when it did not and <paramref name="restoreSnapshot"/> loads a snapshot file
    /// (which marks the partitions it covers as restored), those partitions resume from the snapshot's offsets instead
    /// of a full rebuild. Then sets the epoch (first writer wins) and starts the periodic checks.
    /// </summary>
    public async Task StartAsync(Func<Task<bool>>? restoreSnapshot = null)
    {
        var db = _redis.GetDatabase();
        _epochAtStart = await StageEpoch.ExistsAsync(db, _epoch).ConfigureAwait(false);
        var restored = false;
        if (!_epochAtStart && restoreSnapshot is not null)
            restored = await restoreSnapshot().ConfigureAwait(false);
        // A loaded snapshot set the epoch and marked what it restored: judge the first assignment by that Redis.
        _epochAtStart |= restored;
        await StageEpoch.EnsureAsync(db, _epoch).ConfigureAwait(false);
        _redis.ConnectionRestored += OnConnectionRestored;
        _checks = Task.Run(CheckLoopAsync);
    }

    /// <summary>
    /// Start offsets of newly assigned partitions; starts a rebuild for those whose Redis state was lost, and resumes any
    /// rebuild an earlier pod left unfinished (its marker survives in Redis until the partition is rebuilt).
    /// </summary>
    public IReadOnlyList<PartitionStart> Assign(IReadOnlyCollection<int> partitions, IReadOnlyDictionary<int, long> applied, IReadOnlyDictionary<int, long> committed)
    {
        var db = _redis.GetDatabase();
        // The epoch as it is now (the first assignment: as it was before this process set it).
        var epochPresent = Interlocked.Exchange(ref _epochAtStartUnused, 0) == 1 ? _epochAtStart : db.KeyExists(_epoch);
        if (!epochPresent)
            db.StringSet(_epoch, $"{DateTimeOffset.UtcNow:O} {Guid.NewGuid():N}", when: When.NotExists);
        var restored = StageEpoch.ReadRestored(db, _epoch);
        var starts = partitions
            .Select(p => RedisLoss.Decide(p, epochPresent, applied.TryGetValue(p, out var a) ? a : null,
                committed.TryGetValue(p, out var c) ? c : null, restored.TryGetValue(p, out var r) ? r : null))
            .ToList();
        foreach (var start in starts)
        {
            var floor = start.Lost is null && applied.TryGetValue(start.Partition, out var recorded) ? recorded : -1;
            _floors[start.Partition] = floor;
            _setWriterFloor(start.Partition, floor >= 0 ? floor : null);
            if (restored.ContainsKey(start.Partition) && committed.TryGetValue(start.Partition, out var next))
                _restoredUntil[start.Partition] = next - 1;
        }
        var upTo = starts.Where(s => s.Lost is not null).ToDictionary(s => s.Partition, s => s.RebuildUpTo);
        var reasons = starts.Where(s => s.Lost is not null).Select(s => s.Lost!).ToList();
        var markers = ClusterSafe.Get(db, partitions.Select(p => MarkerKey(p)).ToArray());
        foreach (var (partition, marker) in partitions.Zip(markers))
        {
            if (marker.IsNull || upTo.ContainsKey(partition) || !long.TryParse((string?)marker, out var end)) continue;
            upTo[partition] = end;
            reasons.Add($"a rebuild of partition {partition} up to {end} was left unfinished");
        }
        if (upTo.Count > 0)
            Rebuild(upTo, reasons, countsAsLoss: reasons.Count > 0);
        return starts;
    }

    /// <summary>Partitions this process no longer owns: no more checks, and their rebuilds stop (the marker stays).</summary>
    public void Revoke(IEnumerable<int> partitions)
    {
        lock (_gate)
        {
            foreach (var partition in partitions)
            {
                _floors.TryRemove(partition, out _);
                _restoredUntil.TryRemove(partition, out _);
                _setWriterFloor(partition, null);
                foreach (var rebuild in _rebuilds)
                    rebuild.Drop(partition);
            }
        }
    }

    /// <summary>
    /// The live writer's acknowledgements raise the floors; a partition whose recorded progress was missing or behind
    /// what the writer knew (the fence script reports it with the write) is rebuilt at once, and every other owned
    /// partition is checked at once too (a loss rarely hits one partition alone).
    /// </summary>
    public void OnAcknowledged(BatchAcknowledged batch)
    {
        foreach (var (partition, offset) in batch.HighestOffsetByPartition)
        {
            if (batch.Regressed.Contains(partition)) continue; // lost: its floor comes back with the writes after the rebuild
            // Only owned partitions have a floor; a late acknowledgement of a revoked one adds none.
            while (_floors.TryGetValue(partition, out var floor) && floor < offset && !_floors.TryUpdate(partition, offset, floor)) { }
            if (_restoredUntil.TryGetValue(partition, out var until) && offset >= until && _restoredUntil.TryRemove(partition, out _))
                StageEpoch.ClearRestored(_redis.GetDatabase(), _epoch, partition);
        }
        if (batch.Regressed.Count == 0)
            return;
        var upTo = batch.Regressed.ToDictionary(p => p, p => Math.Max(_livePosition(p) ?? 0, batch.HighestOffsetByPartition[p] + 1));
        _ = StageEpoch.EnsureAsync(_redis.GetDatabase(), _epoch, CommandFlags.FireAndForget); // the writer's loop never waits
        Rebuild(upTo, upTo.Keys.Select(p => $"partition {p}'s recorded progress was missing or behind what this stage had written"), countsAsLoss: true);
        _wake.Release();
    }

    /// <summary>
    /// The writer's check after a Redis Cluster topology change found partitions whose acknowledged progress a slot no
    /// longer holds (<see cref="FencedStateWriter.ProgressLost"/>): they are rebuilt up to where live consumption is.
    /// </summary>
    public void OnProgressLost(IReadOnlyCollection<int> partitions)
    {
        var upTo = partitions.ToDictionary(p => p, p => _livePosition(p) ?? (_floors.TryGetValue(p, out var floor) && floor >= 0 ? floor + 1 : 0));
        if (upTo.Count == 0)
            return;
        _ = StageEpoch.EnsureAsync(_redis.GetDatabase(), _epoch, CommandFlags.FireAndForget);
        Rebuild(upTo, upTo.Keys.Select(p => $"a slot's recorded progress of partition {p} went back after a cluster topology change"), countsAsLoss: true);
        _wake.Release();
    }

    private RedisKey MarkerKey(int partition) => $"{_epoch}:rebuild:{partition}";

    private bool RebuildingLocked(int partition) => _rebuilds.Any(r => r.Covers(partition));

    private void Rebuild(Dictionary<int, long> upTo, IEnumerable<string> reasons, bool countsAsLoss)
    {
        RedisRebuild rebuild;
        lock (_gate)
        {
            // Deduplicated: a partition already being rebuilt, or no longer ours, is left to that rebuild or its owner.
            foreach (var partition in upTo.Keys.ToList())
            {
                if (RebuildingLocked(partition) || !_floors.ContainsKey(partition))
                    upTo.Remove(partition);
            }
            if (upTo.Count == 0)
                return;
            foreach (var partition in upTo.Keys)
                _floors[partition] = -1; // what Redis holds again is what the live writer and the rebuild write from now on
            var db = _redis.GetDatabase();
            foreach (var (partition, end) in upTo)
                db.StringSet(MarkerKey(partition), end, flags: CommandFlags.FireAndForget);
            if (countsAsLoss)
                Interlocked.Increment(ref _losses);
            foreach (var reason in reasons.Distinct())
                _logger.LogError("Redis lost writes of stage {Stage}: {Reason}. Rebuilding in the background from {Topic} while serving", _spec.Name, reason, _spec.InputTopic);
            _logger.LogWarning("Rebuilding partitions {Partitions} of stage {Stage} up to offsets {Offsets}",
                string.Join(",", upTo.Keys.Order()), _spec.Name, string.Join(",", upTo.OrderBy(u => u.Key).Select(u => u.Value)));
            rebuild = new RedisRebuild(_spec, _kafka, _redis, _processors, upTo, _logger, Queue);
            _rebuilds.Add(rebuild);
        }
        _ = rebuild.Completion.ContinueWith(done => OnRebuildEnded(rebuild, done), TaskScheduler.Default);
    }

    /// <summary>
    /// Only a finished partition loses its marker (a stopped or failed one is resumed by the next assignment) and gets its
    /// floor back from what Redis now records, so a second loss of a partition nobody wrote to since is seen too.
    /// </summary>
    private void OnRebuildEnded(RedisRebuild rebuild, Task done)
    {
        if (!done.IsCompletedSuccessfully)
            return;
        try
        {
            var finished = rebuild.Finished.ToList();
            var db = _redis.GetDatabase();
            _ = ClusterSafe.DeleteAsync(db, finished.Select(p => MarkerKey(p)).ToArray(), CommandFlags.FireAndForget);
            var recorded = RedisStateReader.ReadOffsets(db, _spec.Name, RedisKeyspace.OffsetsPrefix, finished);
            foreach (var (partition, offset) in recorded)
            {
                if (_floors.TryGetValue(partition, out var floor))
                    _floors.TryUpdate(partition, Math.Max(floor, offset), floor);
            }
        }
        catch (Exception error) when (error is RedisException or TimeoutException)
        {
            _logger.LogDebug(error, "Rebuild markers of stage {Stage} left for the next check", _spec.Name);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _wake.Release();

    private async Task CheckLoopAsync()
    {
        var db = _redis.GetDatabase();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(CheckInterval, _stop.Token).ConfigureAwait(false);
                await CheckOnceAsync(db).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is RedisException or TimeoutException)
            {
                // Redis away: the writer retries and reports it; check again when it is back.
                _logger.LogDebug(error, "Redis loss check skipped");
            }
        }
    }

    /// <summary>Every owned partition with a floor, idle or not, against what Redis records now.</summary>
    private async Task CheckOnceAsync(IDatabase db)
    {
        Dictionary<int, long> floors;
        lock (_gate)
            floors = _floors.Where(f => f.Value >= 0 && !RebuildingLocked(f.Key)).ToDictionary();
        if (floors.Count == 0)
            return;
        var epochPresent = await StageEpoch.ExistsAsync(db, _epoch).ConfigureAwait(false);
        var applied = await RedisStateReader.ReadOffsetsAsync(db, _spec.Name, RedisKeyspace.OffsetsPrefix, floors.Keys.ToList()).ConfigureAwait(false);
        var lost = RedisLoss.Check(epochPresent, applied, floors).ToList();
        if (lost.Count == 0)
            return;
        await StageEpoch.EnsureAsync(db, _epoch).ConfigureAwait(false);
        // Up to where live consumption is now: the live writer covers everything from there on.
        var upTo = lost.ToDictionary(l => l.Partition, l => _livePosition(l.Partition) ?? floors[l.Partition] + 1);
        Rebuild(upTo, lost.Select(l => l.Reason), countsAsLoss: true);
    }

    public async ValueTask DisposeAsync()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_checks is not null)
            await _checks.ConfigureAwait(false);
        foreach (var rebuild in Rebuilds)
            await rebuild.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }
}
