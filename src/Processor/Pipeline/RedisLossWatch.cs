using ContactCenter.Processor.Kafka;
using System.Collections.Concurrent;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Notices when Redis lost what the state stage wrote (<see cref="RedisLoss"/>): at start for each assigned partition,
/// then on a timer and whenever the connection comes back. Each loss is logged as an error, counted in
/// <see cref="LossesDetected"/>, and answered with a background <see cref="RedisRebuild"/> of the lost partitions up
/// to where live consumption is, while the live stage keeps serving.
/// </summary>
internal sealed class RedisLossWatch : IAsyncDisposable
{
    private readonly StateStageSpec _spec;
    private readonly KafkaClientSettings _kafka;
    private readonly IConnectionMultiplexer _redis;
    private readonly RecordProcessorChain _processors;
    private readonly ILogger _logger;
    private readonly Func<IReadOnlyDictionary<int, long>> _acknowledged;
    private readonly Func<int, long?> _livePosition;
    private readonly RedisKey _epoch;
    private readonly ConcurrentBag<RedisRebuild> _rebuilds = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Task? _checks;
    private bool _epochAtStart;
    private bool _restored;
    private long _losses;

    /// <param name="acknowledged">Per partition, the highest offset Redis acknowledged to this stage.</param>
    /// <param name="livePosition">Per partition, the next offset the live consumer reads (null when unknown).</param>
    public RedisLossWatch(StateStageSpec spec, KafkaClientSettings kafka, IConnectionMultiplexer redis, RecordProcessorChain processors,
        ILogger logger, Func<IReadOnlyDictionary<int, long>> acknowledged, Func<int, long?> livePosition)
    {
        _spec = spec;
        _kafka = kafka;
        _redis = redis;
        _processors = processors;
        _logger = logger;
        _acknowledged = acknowledged;
        _livePosition = livePosition;
        _epoch = StageEpoch.Key(RedisKeyspace.EpochPrefix, spec.Name);
    }

    /// <summary>How often Redis is checked while running.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Times a loss was detected (each covers one or more partitions).</summary>
    public long LossesDetected => Interlocked.Read(ref _losses);

    /// <summary>True while any rebuild is running.</summary>
    public bool IsRebuilding => _rebuilds.Any(r => !r.Completion.IsCompleted);

    /// <summary>Every rebuild started so far, newest last is not guaranteed.</summary>
    public IReadOnlyCollection<RedisRebuild> Rebuilds => _rebuilds;

    /// <summary>
    /// Reads whether the epoch survived; when it did not and <paramref name="restoreSnapshot"/> loads a snapshot file,
    /// partitions resume from the snapshot's offsets instead of a full rebuild. Then sets the epoch (first writer wins)
    /// and starts the periodic checks.
    /// </summary>
    public async Task StartAsync(Func<Task<bool>>? restoreSnapshot = null)
    {
        var db = _redis.GetDatabase();
        _epochAtStart = await StageEpoch.ExistsAsync(db, _epoch).ConfigureAwait(false);
        if (!_epochAtStart && restoreSnapshot is not null)
            _restored = await restoreSnapshot().ConfigureAwait(false);
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
        var starts = partitions
            .Select(p => RedisLoss.Decide(p, _epochAtStart, applied.TryGetValue(p, out var a) ? a : null, committed.TryGetValue(p, out var c) ? c : null, _restored))
            .ToList();
        var upTo = starts.Where(s => s.Lost is not null).ToDictionary(s => s.Partition, s => s.RebuildUpTo);
        var reasons = starts.Where(s => s.Lost is not null).Select(s => s.Lost!).ToList();
        var db = _redis.GetDatabase();
        var markers = ClusterSafe.Get(db, partitions.Select(p => MarkerKey(p)).ToArray());
        foreach (var (partition, marker) in partitions.Zip(markers))
        {
            if (marker.IsNull || upTo.ContainsKey(partition) || !long.TryParse((string?)marker, out var end)) continue;
            upTo[partition] = end;
            reasons.Add($"a rebuild of partition {partition} up to {end} was left unfinished");
        }
        if (upTo.Count > 0)
            Rebuild(upTo, reasons);
        return starts;
    }

    /// <summary>
    /// The live writer's acknowledgements: a partition whose recorded progress was missing or behind what the writer
    /// had seen acknowledged (the fence script reports it with the write) is rebuilt at once, without waiting for the
    /// periodic check.
    /// </summary>
    public void OnAcknowledged(BatchAcknowledged batch)
    {
        if (batch.Regressed.Count == 0)
            return;
        var rebuilding = RebuildingPartitions();
        var upTo = batch.Regressed.Where(p => !rebuilding.Contains(p))
            .ToDictionary(p => p, p => Math.Max(_livePosition(p) ?? 0, batch.HighestOffsetByPartition[p] + 1));
        if (upTo.Count == 0)
            return;
        _ = StageEpoch.EnsureAsync(_redis.GetDatabase(), _epoch, CommandFlags.FireAndForget); // the writer's loop never waits
        Rebuild(upTo, upTo.Keys.Select(p => $"partition {p}'s recorded progress was missing or behind what this stage had written"));
    }

    /// <summary>
    /// The writer's check after a Redis Cluster topology change found partitions whose acknowledged progress a slot no
    /// longer holds (<see cref="FencedStateWriter.ProgressLost"/>): they are rebuilt up to where live consumption is.
    /// </summary>
    public void OnProgressLost(IReadOnlyCollection<int> partitions)
    {
        var rebuilding = RebuildingPartitions();
        var acknowledged = _acknowledged();
        var upTo = partitions.Where(p => !rebuilding.Contains(p))
            .ToDictionary(p => p, p => _livePosition(p) ?? (acknowledged.TryGetValue(p, out var a) ? a + 1 : 0));
        if (upTo.Count == 0)
            return;
        _ = StageEpoch.EnsureAsync(_redis.GetDatabase(), _epoch, CommandFlags.FireAndForget);
        Rebuild(upTo, upTo.Keys.Select(p => $"a slot's recorded progress of partition {p} went back after a cluster topology change"));
    }

    private HashSet<int> RebuildingPartitions() =>
        _rebuilds.Where(r => !r.Completion.IsCompleted).SelectMany(r => r.Partitions.Keys).ToHashSet();

    private RedisKey MarkerKey(int partition) => $"{_epoch}:rebuild:{partition}";

    private void Rebuild(Dictionary<int, long> upTo, IEnumerable<string> reasons)
    {
        var db = _redis.GetDatabase();
        foreach (var (partition, end) in upTo)
            db.StringSet(MarkerKey(partition), end, flags: CommandFlags.FireAndForget);
        Interlocked.Increment(ref _losses);
        foreach (var reason in reasons.Distinct())
            _logger.LogError("Redis lost writes of stage {Stage}: {Reason}. Rebuilding in the background from {Topic} while serving", _spec.Name, reason, _spec.InputTopic);
        _logger.LogWarning("Rebuilding partitions {Partitions} of stage {Stage} up to offsets {Offsets}",
            string.Join(",", upTo.Keys.Order()), _spec.Name, string.Join(",", upTo.OrderBy(u => u.Key).Select(u => u.Value)));
        var rebuild = new RedisRebuild(_spec, _kafka, _redis, _processors, upTo, _logger);
        _rebuilds.Add(rebuild);
        _ = rebuild.Completion.ContinueWith(done =>
        {
            // Only a finished rebuild removes its markers; a stopped or failed one is resumed by the next assignment.
            if (done.IsCompletedSuccessfully && rebuild.Partitions.Values.All(p => p.Done))
                _ = ClusterSafe.DeleteAsync(db, upTo.Keys.Select(p => MarkerKey(p)).ToArray(), CommandFlags.FireAndForget);
        }, TaskScheduler.Default);
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

    private async Task CheckOnceAsync(IDatabase db)
    {
        var rebuilding = RebuildingPartitions();
        var acknowledged = _acknowledged().Where(a => !rebuilding.Contains(a.Key)).ToDictionary();
        if (acknowledged.Count == 0)
            return;
        var epochPresent = await StageEpoch.ExistsAsync(db, _epoch).ConfigureAwait(false);
        var applied = await RedisStateReader.ReadOffsetsAsync(db, _spec.Name, RedisKeyspace.OffsetsPrefix).ConfigureAwait(false);
        var lost = RedisLoss.Check(epochPresent, applied, acknowledged).ToList();
        if (lost.Count == 0)
            return;
        await StageEpoch.EnsureAsync(db, _epoch).ConfigureAwait(false);
        // Up to where live consumption is now: the live writer covers everything from there on.
        var upTo = lost.ToDictionary(l => l.Partition, l => _livePosition(l.Partition) ?? acknowledged[l.Partition] + 1);
        Rebuild(upTo, lost.Select(l => l.Reason));
    }

    public async ValueTask DisposeAsync()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_checks is not null)
            await _checks.ConfigureAwait(false);
        foreach (var rebuild in _rebuilds)
            await rebuild.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _wake.Dispose();
    }
}
