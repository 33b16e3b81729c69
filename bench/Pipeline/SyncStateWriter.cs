using System.Text;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// The replaced design's state consumer step: each derived record goes through the same state rule as the engine's
/// (<see cref="StateStep"/>), then one synchronous Redis round trip replaces the agent's hash (MULTI DEL HSET EXEC, or
/// DEL for a tombstone) on the stream thread, unfenced. The latency is recorded when the reply is back.
/// </summary>
internal sealed class SyncStateWriter(StateStageSpec spec, IDatabase db, AckRecorder acks)
{
    private readonly RecordProcessorChain _processors = new(spec.Processors);

    public void Write(string key, byte[]? value, long recordTimestampMs)
    {
        var step = StateStep.ProcessAsync(spec, _processors, Encoding.UTF8.GetBytes(key), value, recordTimestampMs);
        var outcome = step.IsCompletedSuccessfully ? step.Result : throw new InvalidOperationException("the benchmark runs topologies without asynchronous processors");
        switch (outcome.Action)
        {
            case StateAction.Upsert:
                var transaction = db.CreateTransaction();
                _ = transaction.KeyDeleteAsync(outcome.RedisKey);
                _ = transaction.HashSetAsync(outcome.RedisKey, outcome.Fields!.Select(f => new HashEntry(f.Key, f.Value)).ToArray());
                if (!transaction.Execute()) throw new InvalidOperationException($"Redis refused the write of {outcome.RedisKey}");
                break;
            case StateAction.Delete:
                db.KeyDelete(outcome.RedisKey);
                break;
            case StateAction.Dropped:
                break;
            default:
                throw new InvalidOperationException($"record {key} rejected: {outcome.Reason}");
        }
        acks.Record(outcome.TimestampMs);
    }
}
