using ContactCenter.Processor.Feed;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Streamiz.Kafka.Net.State.Supplier;
using ContactCenter.Processor.Threading;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// One pod: the stages of a topology against a Kafka cluster and a Redis, with what its probes and metrics read.
/// One <see cref="StageService"/> per hosted stage starts and stops it on the host; <c>run</c> waits on
/// <see cref="Started"/> and <see cref="PipelineHost.Health"/> to print <c>ready</c> or <c>not ready: ...</c>.
/// </summary>
internal sealed class Pod : IAsyncDisposable
{
    private readonly PodOptions _options;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnectionMultiplexer? _redis;
    private LagMonitor? _lag;
    private readonly object _prepareLock = new();
    private Task? _prepared;
    private string? _stateDir;
    private IKeyValueBytesStoreSupplier? _supplier;
    private int _stagesStarted;
    private volatile bool _drainFailed;
    private int _disposed;

    /// <param name="kafka">every Kafka client's settings (<see cref="KafkaOptions.ToClientSettings"/>, or the sandbox's).</param>
    public Pod(PodOptions options, KafkaClientSettings kafka, PipelineSpec spec, ILoggerFactory logs)
    {
        _options = options;
        Kafka = kafka;
        _logger = logs.CreateLogger("ContactCenter.Pod");
        Pipeline = new PipelineHost(spec, logs)
        {
            // The stages stop one after the other (the aggregate stage first) within the grace period, whatever is down.
            // Their bounds add up: the hosted stages share 65 % of it (72 % with the slack StopStageAsync allows), each stage's flush taking 60 % of its share so
            // that its commit and close still fit; 10 % closes what is left (feed, lag monitor, Redis, all at once), 5 %
            // the web server, and the rest is the runtime's own exit.
            DrainTimeout = Share(options.Shutdown.GracePeriod, StageShare(spec, options.Stages) * 0.6),
            StopTimeout = Share(options.Shutdown.GracePeriod, StageShare(spec, options.Stages)),
            GroupInstanceId = string.IsNullOrWhiteSpace(options.Kafka.GroupInstanceId) ? null : options.Kafka.GroupInstanceId,
            SnapshotDirectory = options.Snapshots.Directory,
            SnapshotEvery = options.Snapshots.Every,
            WorkerOptions = options.Workers,
        };
        Status = new PodStatus(Pipeline, options.Readiness);
        Metrics = new PodMetrics(Status);
        Feed = new AgentFeed(spec.State, () => _redis, logs.CreateLogger("ContactCenter.Feed"), options.Feed);
    }

    private async Task DisposeWithin(Task disposing, string what, TimeSpan budget)
    {
        try
        {
            await disposing.WaitAsync(budget);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Stopping: {What} did not close within {Budget}; left behind", what, budget);
        }
        catch (Exception error)
        {
            _logger.LogWarning("Stopping: {What} closed with an error: {Error}", what, error.Message);
        }
    }

    /// <summary>What one hosted stage's stop may take of the grace period: the stages stop one after the other.</summary>
    private static double StageShare(PipelineSpec spec, PipelineHost.Stages stages)
    {
        // Only the stages that have something to stop: a topology without queues or workers hosts neither.
        var stopping = InRegistrationOrder(stages).Count(s => s switch
        {
            PipelineHost.Stages.Queue => spec.QueueStages.Count > 0,
            PipelineHost.Stages.Workers => spec.QueueStages.Any(q => q.Http is not null),
            _ => true,
        });
        return 0.65 / Math.Max(1, stopping);
    }

    /// <summary>What closing the rest (feed, lag monitor, Redis connection) may take of the grace period, all together.</summary>
    internal const double ClosingShare = 0.1;

    internal static TimeSpan Share(TimeSpan grace, double share) => TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, (long)(grace.Ticks * share)));

    /// <summary>How every Kafka client of this pod connects.</summary>
    public KafkaClientSettings Kafka { get; }

    /// <summary>The live agent feed: publishes the state stage's acknowledged changes and serves them to browsers.</summary>
    public AgentFeed Feed { get; }

    public PipelineHost Pipeline { get; }

    public PodStatus Status { get; }

    public PodMetrics Metrics { get; }

    /// <summary>Completes once every hosted stage joined its group and read its snapshot offsets.</summary>
    public Task Started => _started.Task;

    /// <summary>False when a stage did not drain within the grace period (or stopped with an error while draining).</summary>
    public bool DrainedCleanly => !_drainFailed;

    /// <summary>The stages this pod hosts, in the order their hosted services are registered: the state stage first, so
    /// that the host (which stops hosted services in reverse order) stops the aggregate stage first and the state stage
    /// drains what it already produced.</summary>
    public IReadOnlyList<PipelineHost.Stages> HostedStages => InRegistrationOrder(_options.Stages);

    /// <remarks>Workers first and queue stages next, so that they stop last: the stages upstream drain into them.</remarks>
    public static IReadOnlyList<PipelineHost.Stages> InRegistrationOrder(PipelineHost.Stages stages) =>
        new[] { PipelineHost.Stages.Workers, PipelineHost.Stages.Queue, PipelineHost.Stages.State, PipelineHost.Stages.Aggregate }
            .Where(s => stages.HasFlag(s)).ToArray();

    /// <summary>Connects Redis, starts the lag monitor and provisions topics, once for all stages.</summary>
    private Task PrepareAsync(CancellationToken ct)
    {
        lock (_prepareLock)
            return _prepared ??= PrepareOnceAsync(ct);
    }

    private async Task PrepareOnceAsync(CancellationToken ct)
    {
        var spec = Pipeline.Spec;
        _stateDir = _options.StateDir ?? Path.Combine(Path.GetTempPath(), "contactcenter-state", spec.Name);
        Directory.CreateDirectory(_stateDir);
        // A cluster that refuses the credentials stops the pod at once with the reason (Kubernetes shows it); one that is
        // merely away is waited for, as before: the stages retry and readiness says so.
        if (await KafkaProbe.RunAsync(Kafka, TimeSpan.FromSeconds(10), ct) is { Reached: false, AuthenticationFailed: true } refused)
            throw new InvalidOperationException($"Kafka at {Kafka.BootstrapServers} refused this pod's credentials: {refused.Detail} " +
                "(check Kafka:SecurityProtocol, Kafka:SaslMechanism, Kafka:SaslUsername and Kafka:SaslPassword / Kafka:SaslPasswordFile)");
        _redis = await _options.Redis.ConnectAsync();
        Status.Redis = _redis;
        _lag = new LagMonitor(Kafka, LagGroups(spec, _options.Stages), _options.Readiness.LagInterval, _logger);
        Status.Lag = _lag;
        _lag.Start();
        _logger.LogInformation("Starting stages {Stages} of {Topology}: Kafka {Kafka}, Redis {Redis}", _options.Stages, spec.Name, Kafka, _options.Redis);
        if (_options.CreateTopics)
        {
            using var provisioner = new AdminTopicProvisioner(Kafka);
            foreach (var difference in await PipelineHost.ProvisionTopicsAsync(spec, provisioner, ct))
                _logger.LogWarning("{Difference}", difference);
        }
        _supplier = AggregateStores.Create(_options.Store, spec.Aggregate.StoreName, AggregateStoreOptions.For(_stateDir));
    }

    /// <summary>Starts one stage (its hosted service calls this); the pod is started once every hosted stage is.</summary>
    public async Task StartStageAsync(PipelineHost.Stages stage, CancellationToken ct)
    {
        await PrepareAsync(ct);
        await Pipeline.StartStageAsync(stage, Kafka, _redis!, _supplier!, _stateDir!, ct);
        if (stage == PipelineHost.Stages.State && Pipeline.StateOrNull is { } state)
        {
            Metrics.Attach(state);
            Feed.Attach(state, _redis!);
        }
        if (stage is PipelineHost.Stages.State or PipelineHost.Stages.Aggregate)
        {
            var name = stage == PipelineHost.Stages.State ? Pipeline.Spec.State.Name : Pipeline.Spec.Aggregate.Name;
            var counters = stage == PipelineHost.Stages.State ? Pipeline.State.Counters : Pipeline.Aggregate.Counters;
            if (counters.AssignedPartitions.Count == 0)
                _logger.LogWarning("Stage {Stage} joined its group with no partition assigned: this pod is idle for it (more pods than partitions?)", name);
            else
                _logger.LogInformation("Stage {Stage} owns partitions {Partitions}", name, string.Join(",", counters.AssignedPartitions));
        }
        if (Interlocked.Increment(ref _stagesStarted) == HostedStages.Count)
        {
            Pipeline.MarkStarted();
            _started.TrySetResult();
        }
    }

    /// <summary>Drains one stage within <paramref name="ct"/> (what is left of the host's grace period): the state stage
    /// flushes its Redis writes and commits their offsets.</summary>
    public async Task StopStageAsync(PipelineHost.Stages stage, CancellationToken ct)
    {
        Status.Stopping = true;
        try
        {
            // The stage hosts keep their own bounds and say what they leave behind; this one, a little past theirs,
            // holds for one that does not (a worker's call in flight). Leaving behind what waits for a missing piece is
            // a clean stop: nothing acknowledged is lost and the rest is redelivered.
            await Pipeline.StopStageAsync(stage).WaitAsync(Pipeline.StopTimeout * 1.1, ct);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Stage {Stage} did not stop within its share of the grace period ({Bound}); left behind: what it did not acknowledge is redelivered", stage, Pipeline.StopTimeout);
        }
        catch (OperationCanceledException)
        {
            _drainFailed = true;
            _logger.LogError("Stage {Stage} did not drain within the grace period ({Grace}); records not acknowledged by Redis will be redelivered", stage, _options.Shutdown.GracePeriod);
        }
        catch (Exception error)
        {
            _drainFailed = true;
            _logger.LogError(error, "Stage {Stage} stopped with an error", stage);
        }
    }

    internal static IReadOnlyList<LagMonitor.Group> LagGroups(PipelineSpec spec, PipelineHost.Stages stages)
    {
        var groups = new List<LagMonitor.Group>();
        if (stages.HasFlag(PipelineHost.Stages.Aggregate))
            groups.Add(new(spec.Aggregate.Name, spec.Aggregate.ApplicationId, spec.Aggregate.Sources.Select(s => (s.Topic, s.Partitions)).ToList()));
        if (stages.HasFlag(PipelineHost.Stages.State))
            groups.Add(new(spec.State.Name, spec.State.GroupId, [(spec.State.InputTopic, spec.State.InputPartitions)]));
        if (stages.HasFlag(PipelineHost.Stages.Queue))
        {
            foreach (var queue in spec.QueueStages)
                groups.Add(new(queue.Name, queue.GroupId, [(queue.InputTopic, queue.InputPartitions)]));
        }
        return groups;
    }

    public async ValueTask DisposeAsync()
    {
        // Disposed by run and again by the host's service provider, which owns the singleton.
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Status.Stopping = true;
        // After the stages stopped: what is left talks to the broker or Redis (the lag monitor, the feed, the Redis
        // connection) and must not outlast the grace period when either is down or hung.
        // They close side by side under one budget, so that their bounds do not add up past the grace period.
        var budget = Share(_options.Shutdown.GracePeriod, ClosingShare);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var closing = new List<Task>
        {
            DisposeWithin(Feed.DisposeAsync().AsTask(), "the agent feed", budget),
            DisposeWithin(Pipeline.DisposeAsync().AsTask(), "the pipeline", budget),
        };
        if (_lag is not null) closing.Add(DisposeWithin(_lag.DisposeAsync().AsTask(), "the lag monitor", budget));
        await Task.WhenAll(closing);
        Metrics.Dispose();
        // Redis last (the feed and the stages write through it), within what is left of the same budget.
        var left = budget - clock.Elapsed;
        if (_redis is not null)
            await DisposeWithin(DedicatedThread.Run(_redis.Dispose, "close Redis"), "the Redis connection", left > TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50));
    }
}

/// <summary>One stage of the <see cref="Pod"/> as a hosted service: starts it in the background (the endpoints answer
/// meanwhile) and drains it on stop within what is left of <c>HostOptions.ShutdownTimeout</c>.</summary>
internal sealed class StageService(Pod pod, PipelineHost.Stages stage) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await pod.StartStageAsync(stage, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            pod.Pipeline.Health.Fail(stage.ToString(), "could not start", error);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await pod.StopStageAsync(stage, cancellationToken);
    }
}
