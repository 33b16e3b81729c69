using Confluent.Kafka;
using ContactCenter.Processor.Workers;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Pipeline;

/// <summary>One record as the state stage reads it, wherever it comes from (a consumer, a fixture).</summary>
internal sealed record StateInput(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value, Headers? Headers, long TimestampMs)
{
    /// <summary>The record's identity wherever and however often it is delivered: what owns its dedup claims.</summary>
    public string Identity => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Topic}:{Partition}:{Offset}");
}

/// <summary>
/// The state stage's work around <see cref="StateStep"/>, shared by the pod's consumer loop and the fixture runner so
/// that a fixture runs exactly what a pod runs: the decision for each record, the dead letters (with their reasons)
/// and the accounting in <see cref="StageCounters"/>.
/// </summary>
/// <remarks>For a queue stage (<paramref name="queue"/>), every live upsert also carries its job, queued by the same
/// atomic Redis step as the write (<see cref="FenceScript"/>); a tombstone queues nothing.</remarks>
internal sealed class StateRecordProcessor(StateStageSpec spec, RecordProcessorChain processors, IDeadLetterSink deadLetters, StageCounters counters,
    QueueStageSpec? queue = null)
{
    /// <summary>The Redis write for <paramref name="input"/>; null when it was dead-lettered or a processor dropped it.</summary>
    public async ValueTask<AgentStateWrite?> ToWriteAsync(StateInput input)
    {
        counters.OnConsumed();
        StateOutcome outcome;
        try
        {
            // The identity (a string per record) only for processors, which may claim it (dedup).
            outcome = await StateStep.ProcessAsync(spec, processors, input.Key, input.Value, input.TimestampMs, processors.IsEmpty ? null : input.Identity).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RedisException and not OperationCanceledException)
        {
            // Redis being away is the world's (the dedup store retries it, then the stage stops); anything else that
            // a record's processing throws is the record's.
            outcome = StateOutcome.Reject(RecordFailure.Describe(ex));
        }
        switch (outcome.Action)
        {
            case StateAction.Rejected:
                DeadLetter(input, outcome.Reason!);
                return null;
            case StateAction.Dropped:
                counters.OnDropped();
                return null;
            default:
                var versions = outcome.Versions ?? TombstoneVersions(input.Headers);
                if (versions is not null && !PartVersionVector.IsValid(versions))
                {
                    DeadLetter(input, $"aggregate part versions '{versions}' are not part=version pairs (part names of ASCII letters, digits and . _ -, versions non-negative)");
                    return null;
                }
                return new AgentStateWrite(outcome.RedisKey!, input.Partition, input.Offset, outcome.Fields, outcome.TimestampMs)
                {
                    PartVersions = versions,
                    Tag = input,
                    Job = queue is not null && outcome.Fields is { } fields ? JobFor(queue, input, fields) : null,
                };
        }
    }

    /// <summary>Counts what Redis applied or fenced out and dead-letters the writes Redis refused for themselves.</summary>
    public void OnAcknowledged(BatchAcknowledged batch)
    {
        counters.OnApplied(batch.Applied);
        counters.OnStale(batch.Stale);
        foreach (var (write, reason) in batch.Rejected)
        {
            if (write.Tag is StateInput input)
                DeadLetter(input, "Redis refused the write: " + reason);
        }
    }

    /// <summary>A tombstone's part versions, from the header the merge stage puts on it; null when it has none (written by
    /// an older merge stage: the fence then orders it by timestamp).</summary>
    private static string? TombstoneVersions(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(PartVersions.Header, out var bytes) ? System.Text.Encoding.ASCII.GetString(bytes) : null;

    private static JobToEnqueue JobFor(QueueStageSpec queue, StateInput input, KeyValuePair<string, string>[] fields) =>
        new(queue.QueueKey, JobToEnqueue.IdOf(queue.Name, input.Partition, input.Offset, queue.SinkName),
            JobPayload.Serialize(System.Text.Encoding.UTF8.GetString(input.Key!), fields));

    private void DeadLetter(StateInput input, string reason)
    {
        deadLetters.Send(input.Topic, input.Partition, input.Offset, input.Key, input.Value, input.Headers, reason);
        counters.OnDeadLettered();
    }
}
