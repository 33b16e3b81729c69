using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Spec;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Streams;

/// <summary>
/// The single processor of the agent-aggregate stage. It reads records of every source topic, looks up the
/// aggregate of the key in its one store, applies the merge rule and forwards the new aggregate (or a tombstone).
/// No join, no repartition: all sources are co-partitioned by agent id, so one task sees every part of a key.
/// Malformed records go to the dead-letter sink and processing moves on.
/// </summary>
internal sealed class AggregateTransformer : ITransformer<byte[], byte[], byte[], byte[]>
{
    private readonly AggregateStageSpec _spec = null!;
    private readonly IDeadLetterSink _deadLetters = null!;
    private readonly StageCounters _counters = null!;
    private readonly Dictionary<string, SourceSpec> _sourcesByTopic = null!;
    private readonly PartitionGuard? _partitions;
    private readonly string _primaryPart = null!;
    private IKeyValueStore<byte[], byte[]>? _store;
    private int _partition = -1;

    /// <summary>At-least-once: keys whose aggregate this task emitted since it started (see <see cref="Emitted"/>).</summary>
    private readonly HashSet<string> _emittedSinceStart = new(StringComparer.Ordinal);
    private const int MaxRemembered = 100_000;

    /// <summary>
    /// Required by Streamiz: its builder makes one instance without arguments while building the topology
    /// (never used to process); each task's instance is made with the stage's arguments.
    /// </summary>
    public AggregateTransformer()
    {
    }

    /// <summary>Streamiz creates one instance per task with these arguments.</summary>
    /// <param name="partitions">Checks that each record is on its key's partition; null where partitions are not real
    /// (Streamiz's test driver puts every record on partition 0: the fixture runner checks them itself).</param>
    public AggregateTransformer(AggregateStageSpec spec, IDeadLetterSink deadLetters, StageCounters counters, PartitionGuard? partitions)
    {
        _spec = spec;
        _deadLetters = deadLetters;
        _counters = counters;
        _partitions = partitions;
        _sourcesByTopic = spec.Sources.ToDictionary(s => s.Topic, StringComparer.Ordinal);
        // A re-keyed source reaches the merge from the stage's repartition topic.
        foreach (var source in spec.Sources.Where(s => s.Repartition))
            _sourcesByTopic[AggregateTopologyBuilder.RepartitionTopic(spec, source)] = source;
        _primaryPart = MergeStep.PrimaryPart(spec);
    }

    public void Init(ProcessorContext<byte[], byte[]> context)
    {
        if (_spec is null)
            throw new InvalidOperationException("AggregateTransformer was created without its stage spec and dead-letter sink");
        _store = (IKeyValueStore<byte[], byte[]>)context.GetStateStore(_spec.StoreName);
        // One task per partition: its transformer lives while the partition is assigned to this process.
        _partition = context.Id.Partition;
        _counters.OnAssigned(_partition);
    }

    /// <summary>
    /// One record. Whatever belongs to the record (its key, headers, value, the merge of it) ends in the dead-letter
    /// topic with a reason, including an exception nobody foresaw: the partition always moves on. Only the store is
    /// the world's: if it cannot read or write, the exception stops the stage (Streamiz reports ERROR, the host says
    /// so at once) rather than dead-lettering records that did nothing wrong.
    /// </summary>
    public Record<byte[], byte[]>? Process(Record<byte[], byte[]> record)
    {
        _counters.OnConsumed();
        var tpo = record.TopicPartitionOffset;
        if (!_sourcesByTopic.TryGetValue(tpo.Topic, out var source))
            return Reject(record, $"topic '{tpo.Topic}' is not a source of stage '{_spec.Name}'");
        AcceptedRecord accepted;
        try
        {
            byte[]? op = null;
            if (record.Headers is not null && record.Headers.TryGetLastBytes(source.OpHeader, out var opBytes))
                op = opBytes;
            if (!MergeStep.TryAccept(source, _spec.Limits, record.Key, record.Value, op, HeaderSize.Of(record.Headers), out accepted, out var reason))
                return Reject(record, reason);
        }
        catch (Exception ex)
        {
            return Reject(record, RecordFailure.Describe(ex));
        }
        // Placement is judged once the record itself is sound: a record without a key, header or valid body is
        // refused for that, whatever partition a producer's partitioner gave it.
        if (_partitions?.Check(source, record.Key, tpo) is { } wrongPartition)
            return Reject(record, wrongPartition);

        var store = _store!;
        var current = store.Get(record.Key); // the world's: a store failure stops the stage
        MergeResult result;
        try
        {
            result = MergeStep.Merge(accepted, source, _primaryPart, _spec.Limits, current);
        }
        catch (Exception ex)
        {
            return Reject(record, RecordFailure.Describe(ex));
        }
        if (result.CorruptState is { } corrupt)
            _deadLetters.Send(tpo.Topic, tpo.Partition.Value, tpo.Offset.Value, record.Key, current, null, corrupt);
        if (result.Rejected is { } rejected)
            return Reject(record, rejected);
        if (result.IsStale)
        {
            _counters.OnStale();
            // At-least-once: a crash between the changelog write and the output's leaves the store holding an aggregate
            // the derived topic never got; its redelivered record is then stale and, ignored, the aggregate would stay
            // missing downstream until the agent's next event. So the record that made the stored version re-emits it
            // (a duplicate at worst, which the Redis fence absorbs). Exactly-once restores only committed state, so the
            // redelivered record applies again and nothing is re-emitted there.
            // Once per key since this task started is enough: only what was in flight at the crash can be missing, and
            // a plain duplicate later (a producer's retry) re-emits nothing.
            if (result.Redelivered && _spec.Guarantee == ProcessingGuarantee.AtLeastOnce && Emitted(accepted.Key))
                return Record<byte[], byte[]>.Create(record.Key, result.Output!, result.TombstoneVersions is { } stored ? WithVersions(record.Headers, stored) : record.Headers);
            return null;
        }
        store.Put(record.Key, result.State!);
        _counters.OnApplied();
        if (_spec.Guarantee == ProcessingGuarantee.AtLeastOnce) Emitted(accepted.Key);
        return Record<byte[], byte[]>.Create(record.Key, result.Output!, result.TombstoneVersions is { } versions ? WithVersions(record.Headers, versions) : record.Headers);
    }

    /// <summary>Remembers that <paramref name="key"/>'s aggregate went out since this task started; true the first time.
    /// Bounded: past <see cref="MaxRemembered"/> keys it starts again, which at worst re-emits a duplicate once more.</summary>
    private bool Emitted(string key)
    {
        if (_emittedSinceStart.Count >= MaxRemembered) _emittedSinceStart.Clear();
        return _emittedSinceStart.Add(key);
    }

    /// <summary>A tombstone's headers: the source record's plus the deleted aggregate's part versions (a copy: the
    /// consumed record's headers are not ours to change).</summary>
    private static Confluent.Kafka.Headers WithVersions(Confluent.Kafka.Headers? source, string versions)
    {
        var headers = new Confluent.Kafka.Headers();
        if (source is not null)
        {
            foreach (var header in source)
                headers.Add(header.Key, header.GetValueBytes());
        }
        headers.Add(PartVersions.Header, System.Text.Encoding.ASCII.GetBytes(versions));
        return headers;
    }

    public void Close()
    {
        if (_partition >= 0)
            _counters.OnRevoked(_partition);
    }

    private Record<byte[], byte[]>? Reject(Record<byte[], byte[]> record, string reason)
    {
        var tpo = record.TopicPartitionOffset;
        _deadLetters.Send(tpo.Topic, tpo.Partition.Value, tpo.Offset.Value, record.Key, record.Value, record.Headers, reason);
        _counters.OnDeadLettered();
        return null;
    }
}
