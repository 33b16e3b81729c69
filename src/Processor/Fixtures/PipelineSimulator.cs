using System.Text;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Processor.Fixtures;

/// <summary>A record on a simulated topic.</summary>
internal sealed class SimRecord
{
    public required string Topic { get; init; }
    public string? Key { get; init; }
    public byte[]? Value { get; init; }
    public List<KeyValuePair<string, string>> Headers { get; init; } = [];
    public int Partition { get; set; }
    public long Offset { get; set; }

    public string? Header(string name) => Headers.FindLast(h => h.Key == name) is { Key: not null } h ? h.Value : null;
}

/// <summary>
/// Runs a compiled <see cref="PipelineSpec"/> without a broker, with the runtime's own building blocks
/// (<see cref="SourceEventDecoder"/>, <see cref="AggregateMerger"/>, <see cref="AggregateCodec"/>,
/// <see cref="RecordProcessorChain"/>, <see cref="FieldProjection"/>): topics are in-memory logs, the store is a
/// dictionary of encoded aggregates, and Redis is a dictionary of hashes behind the same fence the Lua script
/// applies (a write lands only if its offset is newer than the one that produced the hash).
/// </summary>
internal sealed class PipelineSimulator
{
    private readonly PipelineSpec _spec;
    private readonly IReadOnlyDictionary<string, int> _partitions;
    private readonly Dictionary<(string Topic, int Partition), long> _nextOffset = [];
    private readonly Dictionary<string, byte[]> _store = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Partition, long Offset)> _fence = new(StringComparer.Ordinal);
    private readonly RecordProcessorChain _chain;
    private readonly string _primaryPart;

    public PipelineSimulator(PipelineSpec spec, IReadOnlyDictionary<string, int> partitionsByTopic)
    {
        _spec = spec;
        _partitions = partitionsByTopic;
        _chain = new RecordProcessorChain(spec.State.Processors, new InMemoryDedupStore(new FixedClock()));
        _primaryPart = MergeStep.PrimaryPart(spec.Aggregate);
    }

    /// <summary>Every record written to each topic, in the order written (input records included).</summary>
    public Dictionary<string, List<SimRecord>> Topics { get; } = new(StringComparer.Ordinal);

    /// <summary>Redis hashes by key.</summary>
    public Dictionary<string, List<KeyValuePair<string, string>>> Redis { get; } = new(StringComparer.Ordinal);

    public int PartitionsOf(string topic) => _partitions.TryGetValue(topic, out var p) ? p : 1;

    /// <summary>Puts a record on its topic (unless it re-delivers an offset already there) and runs it through every stage it reaches.</summary>
    public async ValueTask ProduceAsync(SimRecord record, int? partition, long? offset)
    {
        record.Partition = partition ?? PartitionFor(record.Key, record.Topic);
        var slot = (record.Topic, record.Partition);
        var next = _nextOffset.GetValueOrDefault(slot);
        if (offset is { } given && given < next)
        {
            record.Offset = given; // a redelivery of a record already on the log
        }
        else
        {
            record.Offset = offset ?? next;
            Append(record);
        }
        var pending = new Queue<SimRecord>();
        pending.Enqueue(record);
        // Bounded: every record produces at most one record per stage it reaches and the stage graph has no cycles.
        while (pending.Count > 0)
        {
            var current = pending.Dequeue();
            foreach (var produced in await DispatchAsync(current).ConfigureAwait(false))
                pending.Enqueue(produced);
        }
    }

    private int PartitionFor(string? key, string topic) =>
        key is null ? 0 : KafkaPartitioner.Partition(Encoding.UTF8.GetBytes(key), PartitionsOf(topic));

    private void Append(SimRecord record)
    {
        if (!Topics.TryGetValue(record.Topic, out var log)) Topics[record.Topic] = log = [];
        log.Add(record);
        var slot = (record.Topic, record.Partition);
        _nextOffset[slot] = Math.Max(_nextOffset.GetValueOrDefault(slot), record.Offset + 1);
    }

    private SimRecord Emit(string topic, string? key, byte[]? value, int partition, List<KeyValuePair<string, string>>? headers = null)
    {
        var record = new SimRecord { Topic = topic, Key = key, Value = value, Headers = headers ?? [], Partition = partition };
        record.Offset = _nextOffset.GetValueOrDefault((topic, partition));
        Append(record);
        return record;
    }

    private SimRecord DeadLetter(string topic, SimRecord source, string reason) =>
        Emit(topic, source.Key, source.Value, PartitionFor(source.Key, topic),
        [
            new(EventHeaders.DeadLetterReason, reason),
            new(EventHeaders.DeadLetterSource, MergeStep.SourceOf(source.Topic, source.Partition, source.Offset)),
        ]);

    private async ValueTask<List<SimRecord>> DispatchAsync(SimRecord record)
    {
        var produced = new List<SimRecord>(1);
        if (_spec.Aggregate.Sources.FirstOrDefault(s => s.Topic == record.Topic) is { } source && Merge(source, record) is { } merged)
            produced.Add(merged);
        if (_spec.State.InputTopic == record.Topic && await MaterializeAsync(record).ConfigureAwait(false) is { } dlq)
            produced.Add(dlq);
        return produced;
    }

    /// <summary>The agent-aggregate stage: one source record into the aggregate; returns what it wrote, if anything.</summary>
    private SimRecord? Merge(SourceSpec source, SimRecord record)
    {
        var stage = _spec.Aggregate;
        var key = record.Key is null ? null : Encoding.UTF8.GetBytes(record.Key);
        var op = record.Header(source.OpHeader) is { } opText ? Encoding.UTF8.GetBytes(opText) : null;
        if (!MergeStep.TryAccept(source, stage.Limits, key, record.Value, op, out var accepted, out var reason))
            return DeadLetter(stage.DeadLetterTopic, record, reason);

        var current = _store.GetValueOrDefault(accepted.Key);
        var result = MergeStep.Merge(accepted, source, _primaryPart, stage.Limits, current);
        if (result.Rejected is { } rejected) return DeadLetter(stage.DeadLetterTopic, record, rejected);
        if (result.IsStale) return null;
        _store[accepted.Key] = result.State!;
        // Co-partitioned and keyed alike, the output record stays on the input record's partition.
        return Emit(stage.OutputTopic, record.Key, result.Output, record.Partition % PartitionsOf(stage.OutputTopic));
    }

    /// <summary>The agent-state stage: one aggregate record into its Redis hash, fenced; returns a dead letter, if any.</summary>
    private async ValueTask<SimRecord?> MaterializeAsync(SimRecord record)
    {
        var stage = _spec.State;
        var key = record.Key is null ? null : Encoding.UTF8.GetBytes(record.Key);
        var outcome = await StateStep.ProcessAsync(stage, _chain, key, record.Value, 0).ConfigureAwait(false);
        switch (outcome.Action)
        {
            case StateAction.Rejected:
                return DeadLetter(stage.DeadLetterTopic, record, outcome.Reason!);
            case StateAction.Delete:
                if (Fenced(outcome.RedisKey!, record)) Redis.Remove(outcome.RedisKey!);
                return null;
            case StateAction.Upsert:
                if (Fenced(outcome.RedisKey!, record)) Redis[outcome.RedisKey!] = [.. outcome.Fields!];
                return null;
            default:
                return null;
        }
    }

    /// <summary>The Lua fence: true (and the fence moves) only when the record is newer than what produced the key.</summary>
    private bool Fenced(string redisKey, SimRecord record)
    {
        if (_fence.TryGetValue(redisKey, out var last) && last.Partition == record.Partition && record.Offset <= last.Offset)
            return false;
        _fence[redisKey] = (record.Partition, record.Offset);
        return true;
    }

    /// <summary>Dedup claims never expire during a fixture: fixtures have no notion of wall-clock time.</summary>
    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }
}
