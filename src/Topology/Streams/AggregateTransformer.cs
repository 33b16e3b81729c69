using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Spec;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Topology.Streams;

/// <summary>
/// The single processor of the agent-aggregate stage. It reads records of every source topic, looks up the
/// aggregate of the key in its one store, applies the merge rule and forwards the new aggregate (or a tombstone).
/// No join, no repartition: all sources are co-partitioned by agent id, so one task sees every part of a key.
/// Malformed records go to the dead-letter sink and processing moves on.
/// </summary>
public sealed class AggregateTransformer : ITransformer<byte[], byte[], byte[], byte[]>
{
    private readonly AggregateStageSpec _spec = null!;
    private readonly IDeadLetterSink _deadLetters = null!;
    private readonly Dictionary<string, SourceSpec> _sourcesByTopic = null!;
    private readonly string _primaryPart = null!;
    private IKeyValueStore<byte[], byte[]>? _store;

    /// <summary>
    /// Required by Streamiz: its builder makes one instance without arguments while building the topology
    /// (never used to process); each task's instance is made with the stage's arguments.
    /// </summary>
    public AggregateTransformer()
    {
    }

    /// <summary>Streamiz creates one instance per task with these arguments.</summary>
    public AggregateTransformer(AggregateStageSpec spec, IDeadLetterSink deadLetters)
    {
        _spec = spec;
        _deadLetters = deadLetters;
        _sourcesByTopic = spec.Sources.ToDictionary(s => s.Topic, StringComparer.Ordinal);
        _primaryPart = MergeStep.PrimaryPart(spec);
    }

    public void Init(ProcessorContext<byte[], byte[]> context)
    {
        if (_spec is null)
            throw new InvalidOperationException("AggregateTransformer was created without its stage spec and dead-letter sink");
        _store = (IKeyValueStore<byte[], byte[]>)context.GetStateStore(_spec.StoreName);
    }

    public Record<byte[], byte[]>? Process(Record<byte[], byte[]> record)
    {
        var tpo = record.TopicPartitionOffset;
        if (!_sourcesByTopic.TryGetValue(tpo.Topic, out var source))
            return Reject(record, $"topic '{tpo.Topic}' is not a source of stage '{_spec.Name}'");
        byte[]? op = null;
        if (record.Headers is not null && record.Headers.TryGetLastBytes(source.OpHeader, out var opBytes))
            op = opBytes;
        if (!MergeStep.TryAccept(source, record.Key, record.Value, op, out var accepted, out var reason))
            return Reject(record, reason);

        var store = _store!;
        var current = store.Get(record.Key);
        var result = MergeStep.Merge(accepted, source, _primaryPart, current);
        if (result.CorruptState is { } corrupt)
            _deadLetters.Send(tpo.Topic, tpo.Partition.Value, tpo.Offset.Value, record.Key, current, corrupt);
        if (result.IsStale)
            return null;
        store.Put(record.Key, result.State!);
        return Record<byte[], byte[]>.Create(record.Key, result.Output!, record.Headers);
    }

    public void Close()
    {
    }

    private Record<byte[], byte[]>? Reject(Record<byte[], byte[]> record, string reason)
    {
        var tpo = record.TopicPartitionOffset;
        _deadLetters.Send(tpo.Topic, tpo.Partition.Value, tpo.Offset.Value, record.Key, record.Value, reason);
        return null;
    }
}
