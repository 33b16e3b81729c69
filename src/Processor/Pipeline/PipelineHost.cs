using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Workers;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using ContactCenter.Processor.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Streamiz.Kafka.Net.State.Supplier;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Hosts both stages of a <see cref="PipelineSpec"/> in one process: creates every topic they need
/// (sources, derived, changelog, dead-letter) with the right partition counts, then starts the
/// aggregate stage and the state stage, each with its own consumer group.
/// </summary>
internal sealed class PipelineHost : IAsyncDisposable
{
    /// <summary>Which stages this process runs (a pod may run one or several). <see cref="Queue"/> is every queue stage
    /// of the topology, <see cref="Workers"/> the worker pools draining their queues (scaled apart from the stages).</summary>
    [Flags]
    public enum Stages
    {
        Aggregate = 1,
        State = 2,
        Queue = 4,
        Workers = 8,
        All = Aggregate | State | Queue | Workers,
    }

    private readonly PipelineSpec _spec;
    private readonly ILoggerFactory _logs;
    private AggregateStageHost? _aggregate;
    private StateStageHost? _state;
    private readonly List<StateStageHost> _queueStages = [];
    private readonly List<WindowStageHost> _windows = [];
    private readonly List<WorkerPool> _workers = [];
    private readonly List<IDisposable> _workerResources = [];
    private int _aggregateStopped, _stateStopped, _queueStopped, _workersStopped;

    /// <param name="spec">What to run.</param>
    /// <param name="logs">The process's one logger factory (tests may leave it out).</param>
    public PipelineHost(PipelineSpec spec, ILoggerFactory? logs = null)
    {
        _spec = spec;
        _logs = logs ?? NullLoggerFactory.Instance;
        Health = new StageHealth(_logs.CreateLogger("ContactCenter.Health"));
    }

    /// <summary>Snapshot files of the state stage: loaded when Redis is found empty, written every <see cref="SnapshotEvery"/>.</summary>
    public string? SnapshotDirectory { get; init; }

    /// <summary>How often the state stage writes a snapshot file; null writes none.</summary>
    public TimeSpan? SnapshotEvery { get; init; }

    /// <summary>Whether every hosted stage can go on; completes <see cref="StageHealth.Failure"/> when one cannot.</summary>
    public StageHealth Health { get; }

    /// <summary>What this host runs.</summary>
    public PipelineSpec Spec => _spec;

    /// <summary>How long a graceful stop waits for Redis to acknowledge the state stage's pending writes.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long each stage's stop may take in all (<see cref="StateStageHost.StopTimeout"/>,
    /// <see cref="AggregateStageHost.CloseTimeout"/>); past it what waits for an unreachable broker or Redis is left behind.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Static membership id of the state stage's consumer (null: dynamic membership).</summary>
    public string? GroupInstanceId { get; init; }

    /// <summary>The aggregate stage when this host runs it (after <see cref="StartAsync"/> created it), else null.</summary>
    public AggregateStageHost? AggregateOrNull => _aggregate;

    /// <summary>The state stage when this host runs it (after <see cref="StartAsync"/> created it), else null.</summary>
    public StateStageHost? StateOrNull => _state;

    /// <summary>True once <see cref="StartAsync"/> completed: every hosted stage joined its group and read its snapshot.</summary>
    public bool Started { get; private set; }

    public AggregateStageHost Aggregate => _aggregate ?? throw new InvalidOperationException("pipeline not started");

    public StateStageHost State => _state ?? throw new InvalidOperationException("pipeline not started");

    /// <summary>The queue stages this host runs (empty until started, or when the topology has none).</summary>
    public IReadOnlyList<StateStageHost> QueueStages => _queueStages;

    /// <summary>The window stages (hosted with the state stage).</summary>
    public IReadOnlyList<WindowStageHost> Windows => _windows;

    /// <summary>The worker pools this host runs, one per queue stage with an effect.</summary>
    public IReadOnlyList<WorkerPool> Workers => _workers;

    /// <summary>The worker pools' settings.</summary>
    public WorkerOptions WorkerOptions { get; init; } = new();

    /// <summary>Every topic the pipeline reads or writes, with its partition count.</summary>
    public static IEnumerable<(string Topic, int Partitions)> RequiredTopics(PipelineSpec spec)
    {
        var aggregate = spec.Aggregate;
        var partitions = aggregate.Sources[0].Partitions;
        foreach (var source in aggregate.Sources)
            yield return (source.Topic, source.Partitions);
        yield return (aggregate.OutputTopic, aggregate.OutputPartitions);
        yield return (AggregateTopologyBuilder.ChangelogTopic(aggregate), partitions);
        foreach (var source in aggregate.Sources.Where(s => s.Repartition))
            yield return (AggregateTopologyBuilder.RepartitionTopic(aggregate, source), source.Partitions);
        yield return (aggregate.DeadLetterTopic, aggregate.DeadLetterPartitions);
        if (spec.State.DeadLetterTopic != aggregate.DeadLetterTopic)
            yield return (spec.State.DeadLetterTopic, spec.State.DeadLetterPartitions);
        foreach (var queue in spec.QueueStages)
            yield return (queue.DeadLetterTopic, queue.DeadLetterPartitions);
        foreach (var window in spec.Windows)
        {
            yield return (window.ChangelogTopic, window.InputPartitions);
            yield return (window.DeadLetterTopic, window.DeadLetterPartitions);
        }
    }

    /// <summary>
    /// The configs a topic of the pipeline needs: the derived topic and the store's changelog are compacted (the latest
    /// aggregate per agent is what replays, rebuilds and restores read; deleted agents' tombstones age out).
    /// </summary>
    /// <remarks>A window stage counts transitions of the records it reads; on a compacted topic compaction may remove a
    /// key's older records, so a topic a window reads keeps every record at least one window plus its grace
    /// (<c>min.compaction.lag.ms</c>): a window stage lagging less than that never misses one.</remarks>
    public static IReadOnlyDictionary<string, string> TopicConfigs(PipelineSpec spec, string topic)
    {
        if (!(topic == spec.Aggregate.OutputTopic || topic == AggregateTopologyBuilder.ChangelogTopic(spec.Aggregate) || spec.Windows.Any(w => w.ChangelogTopic == topic)))
            return new Dictionary<string, string>();
        var configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" };
        var windowed = spec.Windows.Where(w => w.InputTopic == topic).Select(w => (long)(w.Size + w.Grace).TotalMilliseconds).DefaultIfEmpty(0).Max();
        if (windowed > 0) configs["min.compaction.lag.ms"] = windowed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return configs;
    }

    /// <summary>Creates every topic the pipeline needs with its partitions and configs.</summary>
    /// <returns>How existing topics' configs differ from what the pipeline needs, one line each.</returns>
    public static async Task<IReadOnlyList<string>> ProvisionTopicsAsync(PipelineSpec spec, ITopicProvisioner provisioner, CancellationToken ct)
    {
        var differences = new List<string>();
        foreach (var (topic, partitions) in RequiredTopics(spec).DistinctBy(t => t.Topic))
            differences.AddRange(await provisioner.EnsureTopicAsync(topic, partitions, TopicConfigs(spec, topic), ct));
        return differences;
    }

    public async Task StartAsync(
        KafkaClientSettings kafka,
        ITopicProvisioner? provisioner,
        IConnectionMultiplexer redis,
        IKeyValueBytesStoreSupplier aggregateStore,
        string stateDir,
        CancellationToken ct,
        Stages stages = Stages.All)
    {
        if (provisioner is not null)
        {
            var logger = _logs.CreateLogger("ContactCenter.Topics");
            foreach (var difference in await ProvisionTopicsAsync(_spec, provisioner, ct))
                logger.LogWarning("{Difference}", difference);
        }
        var starting = new List<Task>(4);
        if (stages.HasFlag(Stages.Workers))
            starting.Add(StartStageAsync(Stages.Workers, kafka, redis, aggregateStore, stateDir, ct));
        if (stages.HasFlag(Stages.Queue))
            starting.Add(StartStageAsync(Stages.Queue, kafka, redis, aggregateStore, stateDir, ct));
        if (stages.HasFlag(Stages.State))
            starting.Add(StartStageAsync(Stages.State, kafka, redis, aggregateStore, stateDir, ct));
        if (stages.HasFlag(Stages.Aggregate))
            starting.Add(StartStageAsync(Stages.Aggregate, kafka, redis, aggregateStore, stateDir, ct));
        // Both groups join concurrently: each waits for its own first rebalance.
        await Task.WhenAll(starting);
        Started = true;
    }

    /// <summary>Starts one stage (topics already provisioned); completes when it joined its group (and, for the state
    /// stage, read its snapshot offsets). A pod's host calls this once per stage from that stage's hosted service.</summary>
    public Task StartStageAsync(Stages stage, KafkaClientSettings kafka, IConnectionMultiplexer redis, IKeyValueBytesStoreSupplier aggregateStore,
        string stateDir, CancellationToken ct)
    {
        switch (stage)
        {
            case Stages.State:
                _state = new StateStageHost(_spec.State, kafka, redis, _logs, Health)
                {
                    DrainTimeout = DrainTimeout,
                    StopTimeout = StopTimeout,
                    GroupInstanceId = GroupInstanceId,
                    SnapshotDirectory = SnapshotDirectory,
                    SnapshotEvery = SnapshotEvery,
                };
                // Window stages read derived topics and write Redis like the state stage: they run where it runs.
                foreach (var window in _spec.Windows)
                    _windows.Add(new WindowStageHost(window, kafka, redis, _logs, Health, stateDir) { StopTimeout = StopTimeout });
                return Task.WhenAll(_windows.Select(w => w.StartAsync(ct)).Prepend(_state.StartAsync(ct)));
            case Stages.Aggregate:
                _aggregate = new AggregateStageHost(_spec.Aggregate, kafka, aggregateStore, stateDir, _logs, Health) { CloseTimeout = StopTimeout };
                return _aggregate.StartAsync(ct);
            case Stages.Queue:
                foreach (var queue in _spec.QueueStages)
                {
                    _queueStages.Add(new StateStageHost(queue.AsStateStage(), kafka, redis, _logs, Health, queue: queue)
                    {
                        DrainTimeout = DrainTimeout,
                    StopTimeout = StopTimeout,
                        GroupInstanceId = GroupInstanceId is null ? null : $"{GroupInstanceId}-{queue.Name}",
                    });
                }
                return Task.WhenAll(_queueStages.Select(q => q.StartAsync(ct)));
            case Stages.Workers:
                StartWorkers(kafka, redis);
                return Task.CompletedTask;
            default:
                throw new ArgumentOutOfRangeException(nameof(stage), stage, "one stage at a time");
        }
    }

    private void StartWorkers(KafkaClientSettings kafka, IConnectionMultiplexer redis)
    {
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // each call's timeout is the resilience pipeline's
        _workerResources.Add(http);
        foreach (var queue in _spec.QueueStages.Where(q => q.Http is not null))
        {
            var deadLetters = new KafkaDeadLetterSink(kafka, queue.DeadLetterTopic, _logs.CreateLogger($"ContactCenter.{queue.Name}.Workers.DeadLetter"));
            _workerResources.Add(deadLetters);
            var pool = new WorkerPool(new RedisJobQueue(redis, queue.QueueKey, WorkerOptions.QueueOptions()),
                new HttpJobEffect(http, queue.Http!, WorkerOptions.ServiceBaseUrl), queue.Http!.Timeout, WorkerOptions, deadLetters,
                _logs.CreateLogger($"ContactCenter.{queue.Name}.Workers"), stagesBehind: StagesBehind);
            _workers.Add(pool);
            pool.Start();
        }
    }

    /// <summary>Whether a Redis-writing stage hosted here (state or queue) is more than <paramref name="threshold"/>
    /// behind its source events: the worker pools of this pod hold off new side effects meanwhile.</summary>
    private bool StagesBehind(TimeSpan threshold)
    {
        if (_state?.IsBehind(threshold) == true) return true;
        // By index: queue stages may still be added (stage start) while a pool's claim loop asks.
        for (var i = 0; i < _queueStages.Count; i++)
            if (_queueStages[i]?.IsBehind(threshold) == true) return true;
        return false;
    }

    /// <summary>Marks the pipeline started once the caller started every stage it hosts one by one.</summary>
    public void MarkStarted() => Started = true;

    /// <summary>Stops one stage gracefully (the state stage flushes its Redis writes and commits their offsets).</summary>
    public async Task StopStageAsync(Stages stage)
    {
        // The stage hosts stay readable after they stopped (counters, dead letters): only their disposal is once.
        if (stage == Stages.Aggregate && _aggregate is { } aggregate && Interlocked.Exchange(ref _aggregateStopped, 1) == 0)
            await aggregate.DisposeAsync();
        if (stage == Stages.State && _state is { } state && Interlocked.Exchange(ref _stateStopped, 1) == 0)
        {
            await state.DisposeAsync();
            foreach (var window in _windows) await window.DisposeAsync();
        }
        if (stage == Stages.Queue && Interlocked.Exchange(ref _queueStopped, 1) == 0)
        {
            // Side by side: each has the same stop bound, and one stage's bound is what the pod gives the queue stages.
            await Task.WhenAll(_queueStages.Select(q => q.DisposeAsync().AsTask()));
        }
        if (stage == Stages.Workers && Interlocked.Exchange(ref _workersStopped, 1) == 0)
        {
            await Task.WhenAll(_workers.Select(p => p.DisposeAsync().AsTask()));
            foreach (var resource in _workerResources) resource.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Upstream first, so the state stage drains what the aggregate stage already produced.
        await StopStageAsync(Stages.Aggregate);
        await StopStageAsync(Stages.State);
        await StopStageAsync(Stages.Queue);
        await StopStageAsync(Stages.Workers);
    }
}
