using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// One pod: the stages of a topology against a Kafka cluster and a Redis, with what its probes and metrics read.
/// <see cref="PipelineService"/> starts and stops it as the host's hosted service; <c>run</c> waits on
/// <see cref="Started"/> and <see cref="PipelineHost.Health"/> to print <c>ready</c> or <c>not ready: ...</c>.
/// </summary>
internal sealed class Pod : IAsyncDisposable
{
    private readonly PodOptions _options;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnectionMultiplexer? _redis;
    private LagMonitor? _lag;
    private int _stopped;

    public Pod(PodOptions options, PipelineSpec spec, ILoggerFactory logs)
    {
        _options = options;
        _logger = logs.CreateLogger("ContactCenter.Pod");
        Pipeline = new PipelineHost(spec, logs)
        {
            // The state stage's flush must leave time within the grace period for the commit and the consumer's close.
            DrainTimeout = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, (long)(options.Shutdown.GracePeriod.Ticks * 0.6))),
            GroupInstanceId = string.IsNullOrWhiteSpace(options.Kafka.GroupInstanceId) ? null : options.Kafka.GroupInstanceId,
        };
        Status = new PodStatus(Pipeline, options.Readiness);
        Metrics = new PodMetrics(Status);
    }

    public PipelineHost Pipeline { get; }

    public PodStatus Status { get; }

    public PodMetrics Metrics { get; }

    /// <summary>Completes once every hosted stage joined its group and read its snapshot offsets.</summary>
    public Task Started => _started.Task;

    /// <summary>True when the last stop drained within the grace period (Redis writes acknowledged, offsets committed).</summary>
    public bool DrainedCleanly { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        var spec = Pipeline.Spec;
        var dir = _options.StateDir ?? Path.Combine(Path.GetTempPath(), "contactcenter-state", spec.Name);
        Directory.CreateDirectory(dir);
        _redis = await ConnectRedisAsync(_options.Redis);
        Status.Redis = _redis;
        var bootstrap = _options.Kafka.BootstrapServers;
        _lag = new LagMonitor(bootstrap, LagGroups(spec, _options.Stages), _options.Readiness.LagInterval, _logger);
        Status.Lag = _lag;
        _lag.Start();
        var supplier = AggregateStores.Create(_options.Store, spec.Aggregate.StoreName, AggregateStoreOptions.For(dir));
        var provisioner = _options.CreateTopics ? new AdminTopicProvisioner(bootstrap) : null;
        _logger.LogInformation("Starting stages {Stages} of {Topology}: Kafka {Bootstrap} ({Security}), Redis {Redis} (user {User}, password {Password}, TLS {Tls})",
            _options.Stages, spec.Name, bootstrap, KafkaClientDefaults.Security, _options.Redis.Endpoint, _options.Redis.User ?? "default",
            _options.Redis.Password is not null || _options.Redis.PasswordFile is not null ? "set" : "none", _options.Redis.Tls);
        await Pipeline.StartAsync(bootstrap, provisioner, _redis, supplier, dir, ct, _options.Stages);
        if (Pipeline.StateOrNull is { } state)
            Metrics.Attach(state);
        foreach (var (stage, counters) in Status.Stages())
        {
            if (counters.AssignedPartitions.Count == 0)
                _logger.LogWarning("Stage {Stage} joined its group with no partition assigned: this pod is idle for it (more pods than partitions?)", stage);
            else
                _logger.LogInformation("Stage {Stage} owns partitions {Partitions}", stage, string.Join(",", counters.AssignedPartitions));
        }
        _started.TrySetResult();
    }

    /// <summary>Drains within <paramref name="ct"/> (the host's grace period): stages stop upstream first; the state stage
    /// flushes its Redis writes and commits their offsets.</summary>
    public async Task StopAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        Status.Stopping = true;
        var drain = Pipeline.DisposeAsync().AsTask();
        try
        {
            await drain.WaitAsync(ct);
            DrainedCleanly = true;
        }
        catch (OperationCanceledException)
        {
            _logger.LogError("The stages did not drain within the grace period ({Grace}); records not acknowledged by Redis will be redelivered", _options.Shutdown.GracePeriod);
        }
        catch (Exception error)
        {
            _logger.LogError(error, "The stages stopped with an error");
        }
        if (_lag is not null) await _lag.DisposeAsync();
    }

    internal static IReadOnlyList<LagMonitor.Group> LagGroups(PipelineSpec spec, PipelineHost.Stages stages)
    {
        var groups = new List<LagMonitor.Group>();
        if (stages.HasFlag(PipelineHost.Stages.Aggregate))
            groups.Add(new(spec.Aggregate.Name, spec.Aggregate.ApplicationId, spec.Aggregate.Sources.Select(s => (s.Topic, s.Partitions)).ToList()));
        if (stages.HasFlag(PipelineHost.Stages.State))
            groups.Add(new(spec.State.Name, spec.State.GroupId, [(spec.State.InputTopic, spec.State.InputPartitions)]));
        return groups;
    }

    /// <summary>Connects with the configured user, password (value or file) and TLS; the password is never logged.</summary>
    internal static Task<IConnectionMultiplexer> ConnectRedisAsync(RedisOptions redis)
    {
        var password = SecretFiles.Resolve(redis.Password, redis.PasswordFile);
        return RedisConnector.ConnectAsync(redis.Endpoint, options =>
        {
            if (!string.IsNullOrEmpty(redis.User)) options.User = redis.User;
            if (password is not null) options.Password = password;
            if (redis.Tls) options.Ssl = true;
            if (redis.CaFile is not null) options.TrustIssuer(redis.CaFile);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        Metrics.Dispose();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}

/// <summary>Runs the <see cref="Pod"/> as the host's hosted service: starts the stages in the background (the
/// endpoints answer meanwhile) and drains them on stop within <c>HostOptions.ShutdownTimeout</c>.</summary>
internal sealed class PipelineService(Pod pod, ILoggerFactory logs) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await pod.StartAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            logs.CreateLogger("ContactCenter.Pod").LogDebug(error, "Start failed");
            pod.Pipeline.Health.Fail("pod", "could not start", error);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await pod.StopAsync(cancellationToken);
    }
}
