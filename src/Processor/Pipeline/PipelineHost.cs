using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using ContactCenter.Topology.Streams;
using StackExchange.Redis;
using Streamiz.Kafka.Net.State.Supplier;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Hosts both stages of a <see cref="PipelineSpec"/> in one process: creates every topic they need
/// (sources, derived, changelog, dead-letter) with the right partition counts, then starts the
/// aggregate stage and the state stage, each with its own consumer group.
/// </summary>
internal sealed class PipelineHost : IAsyncDisposable
{
    private readonly PipelineSpec _spec;
    private AggregateStageHost? _aggregate;
    private StateStageHost? _state;

    public PipelineHost(PipelineSpec spec) => _spec = spec;

    public AggregateStageHost Aggregate => _aggregate ?? throw new InvalidOperationException("pipeline not started");

    public StateStageHost State => _state ?? throw new InvalidOperationException("pipeline not started");

    /// <summary>Every topic the pipeline reads or writes, with its partition count.</summary>
    public static IEnumerable<(string Topic, int Partitions)> RequiredTopics(PipelineSpec spec)
    {
        var aggregate = spec.Aggregate;
        var partitions = aggregate.Sources[0].Partitions;
        foreach (var source in aggregate.Sources)
            yield return (source.Topic, source.Partitions);
        yield return (aggregate.OutputTopic, aggregate.OutputPartitions);
        yield return (AggregateTopologyBuilder.ChangelogTopic(aggregate), partitions);
        yield return (aggregate.DeadLetterTopic, 1);
        if (spec.State.DeadLetterTopic != aggregate.DeadLetterTopic)
            yield return (spec.State.DeadLetterTopic, 1);
    }

    public static async Task ProvisionTopicsAsync(PipelineSpec spec, ITopicProvisioner provisioner, CancellationToken ct)
    {
        foreach (var (topic, partitions) in RequiredTopics(spec).DistinctBy(t => t.Topic))
            await provisioner.EnsureTopicAsync(topic, partitions, ct);
    }

    public async Task StartAsync(
        string bootstrapServers,
        ITopicProvisioner provisioner,
        IConnectionMultiplexer redis,
        IKeyValueBytesStoreSupplier aggregateStore,
        string stateDir,
        CancellationToken ct)
    {
        await ProvisionTopicsAsync(_spec, provisioner, ct);
        _state = new StateStageHost(_spec.State, bootstrapServers, redis, new FencedWriterOptions());
        _aggregate = new AggregateStageHost(_spec.Aggregate, bootstrapServers, aggregateStore, stateDir);
        // Both groups join concurrently: each waits for its own first rebalance.
        await Task.WhenAll(_state.StartAsync(ct), _aggregate.StartAsync(ct));
    }

    public async ValueTask DisposeAsync()
    {
        // Upstream first, so the state stage drains what the aggregate stage already produced.
        if (_aggregate is not null) await _aggregate.DisposeAsync();
        if (_state is not null) await _state.DisposeAsync();
    }
}
