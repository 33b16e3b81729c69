using System.Text;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
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
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);
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
        _primaryPart = spec.Sources.FirstOrDefault(s => s.Primary)?.Part ?? spec.Sources[0].Part;
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
        var topic = tpo.Topic;
        if (!_sourcesByTopic.TryGetValue(topic, out var source))
            return Reject(record, $"topic '{topic}' is not a source of stage '{_spec.Name}'");
        if (record.Key is null || record.Key.Length == 0)
            return Reject(record, "record has no key (agent id)");
        if (record.Value is null || record.Value.Length == 0)
            return Reject(record, "record has no value");
        if (!TryReadOp(record, source.OpHeader, out var op, out var opError))
            return Reject(record, opError!);
        if (!SourceEventDecoder.TryDecode(record.Value, source.Fields, out var decoded, out var error))
            return Reject(record, error!);

        string key;
        try
        {
            key = StrictUtf8.GetString(record.Key);
        }
        catch (DecoderFallbackException)
        {
            return Reject(record, "key is not valid UTF-8");
        }
        if (decoded.AgentId is not null && decoded.AgentId != key)
            return Reject(record, $"agentId '{decoded.AgentId}' in the value does not match the key '{key}'");

        var store = _store!;
        var currentBytes = store.Get(record.Key);
        UserAggregate aggregate;
        if (currentBytes is null)
        {
            aggregate = new UserAggregate(key);
        }
        else
        {
            try
            {
                aggregate = AggregateCodec.Decode(currentBytes);
            }
            catch (FormatException ex)
            {
                // A corrupt store entry must not wedge the key forever: start it again from this event.
                _deadLetters.Send(topic, tpo.Partition.Value, tpo.Offset.Value, record.Key, currentBytes, "corrupt store entry replaced: " + ex.Message);
                aggregate = new UserAggregate(key);
            }
        }

        if (AggregateMerger.Apply(aggregate, source.Part, op, decoded) == MergeOutcome.Stale)
            return null;

        var encoded = AggregateCodec.Encode(aggregate);
        store.Put(record.Key, encoded);
        var output = aggregate.IsDeleted(_primaryPart) ? null : encoded;
        return Record<byte[], byte[]>.Create(record.Key, output!, record.Headers);
    }

    public void Close()
    {
    }

    private static bool TryReadOp(Record<byte[], byte[]> record, string header, out EventOp op, out string? error)
    {
        error = null;
        op = default;
        if (record.Headers is null || !record.Headers.TryGetLastBytes(header, out var bytes))
        {
            error = $"missing header '{header}'";
            return false;
        }
        if (!EventHeaders.TryDecode(bytes, out op))
        {
            error = $"header '{header}' must be CREATED, UPDATED or DELETED";
            return false;
        }
        return true;
    }

    private Record<byte[], byte[]>? Reject(Record<byte[], byte[]> record, string reason)
    {
        var tpo = record.TopicPartitionOffset;
        _deadLetters.Send(tpo.Topic, tpo.Partition.Value, tpo.Offset.Value, record.Key, record.Value, reason);
        return null;
    }
}
