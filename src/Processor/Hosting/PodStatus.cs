using ContactCenter.Processor.Pipeline;
using StackExchange.Redis;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// What a pod's probes answer, read from the running pipeline: live (every hosted stage alive), ready (joined with the
/// snapshot read, Redis answering PING, lag of its own partitions under the limit) and idle (joined, no partition).
/// Used by <c>run</c> and by the demo alike.
/// </summary>
internal sealed class PodStatus
{
    private readonly PipelineHost _pipeline;
    private readonly ReadinessOptions _options;

    public PodStatus(PipelineHost pipeline, ReadinessOptions options)
    {
        _pipeline = pipeline;
        _options = options;
    }

    public PipelineHost Pipeline => _pipeline;

    /// <summary>The stages' Redis, once connected.</summary>
    public IConnectionMultiplexer? Redis { get; set; }

    /// <summary>Consumer lag of the stages' groups, once watched.</summary>
    public LagMonitor? Lag { get; set; }

    /// <summary>Set once the process began to stop (SIGTERM): the pod is no longer ready, but still live.</summary>
    public bool Stopping { get; set; }

    /// <summary>Every hosted stage, with its name and counters (only those created so far).</summary>
    public IEnumerable<(string Stage, StageCounters Counters)> Stages()
    {
        if (_pipeline.AggregateOrNull is { } aggregate) yield return (_pipeline.Spec.Aggregate.Name, aggregate.Counters);
        if (_pipeline.StateOrNull is { } state) yield return (_pipeline.Spec.State.Name, state.Counters);
    }

    /// <summary>Live: no hosted stage has failed. The reason when one has.</summary>
    public (bool Live, string Reason) Liveness() =>
        _pipeline.Health.Failure.IsCompleted ? (false, _pipeline.Health.Failure.Result) : (true, "ok");

    /// <summary>True when every hosted stage has joined its group and none owns a partition.</summary>
    public bool Idle => _pipeline.Started && Stages().All(s => s.Counters.Joined && s.Counters.AssignedPartitions.Count == 0);

    /// <summary>Ready or not, with the reason in one line.</summary>
    public async Task<(bool Ready, string Reason)> ReadinessAsync()
    {
        var (live, failure) = Liveness();
        if (!live) return (false, $"not ready: {failure}");
        if (Stopping) return (false, "not ready: stopping (draining Redis writes, committing offsets)");
        if (!_pipeline.Started || Redis is not { } redis) return (false, "not ready: starting (joining consumer groups, reading snapshot offsets from Redis)");
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(_options.RedisPingTimeout);
        }
        catch (Exception error) when (error is RedisException or TimeoutException or ObjectDisposedException)
        {
            return (false, $"not ready: Redis unreachable ({(error is TimeoutException ? $"no PING answer within {_options.RedisPingTimeout.TotalMilliseconds:F0} ms" : error.GetType().Name)})");
        }
        if (Lag is { } lagMonitor)
        {
            // The lag monitor reads the cluster every few seconds: its last answer is this pod's last contact with it.
            var silent = DateTimeOffset.UtcNow - (lagMonitor.LastRead ?? lagMonitor.Started);
            if (silent > _options.BrokerUnreachableAfter)
                return (false, $"not ready: the Kafka cluster has not answered for {silent.TotalSeconds:F0} s (Readiness:BrokerUnreachableAfter {_options.BrokerUnreachableAfter.TotalSeconds:F0} s)");
            foreach (var (stage, counters) in Stages())
            {
                var owned = counters.AssignedPartitions.ToHashSet();
                foreach (var ((lagStage, topic, partition), lag) in lagMonitor.Lag)
                {
                    if (lagStage == stage && owned.Contains(partition) && lag > _options.MaxLag)
                        return (false, $"not ready: stage {stage} lags {lag} records on {topic}[{partition}] (Readiness:MaxLag {_options.MaxLag})");
                }
            }
        }
        var assigned = string.Join("; ", Stages().Select(s => $"{s.Stage} partitions [{string.Join(",", s.Counters.AssignedPartitions)}]"));
        return Idle
            ? (true, $"ready: idle, no partitions assigned ({assigned}); more pods than partitions?")
            : (true, $"ready: {assigned}");
    }
}
