using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Operations;

/// <summary>A partition's progress: records read of its range so far.</summary>
internal readonly record struct ReplayProgress(int Partition, long Done, long Total);

/// <summary>A record the replay would have dead-lettered; a replay sends nothing to the dead-letter topic.</summary>
internal sealed record ReplayRejection(int Partition, long Offset, string Reason);

/// <summary>What a replay did (execute) or would do (dry run).</summary>
internal sealed record ReplayResult(
    IReadOnlyList<PartitionRange> Ranges,
    bool Executed,
    long Consumed,
    long Dropped,
    IReadOnlyList<ReplayRejection> Rejected,
    IReadOnlyList<AgentDiff> Diff,
    long Applied,
    long Unchanged,
    TimeSpan Elapsed)
{
    public int Count(AgentChange change) => Diff.Count(d => d.Change == change);
}

/// <summary>
/// Replays a range of the state stage's input through the very path a pod runs (<see cref="StateRecordProcessor"/>,
/// hence <see cref="StateStep"/>), either into a <see cref="ShadowState"/> of Redis (dry run: live Redis is only read)
/// or through a <see cref="FencedStateWriter"/> whose writes are marked <see cref="AgentStateWrite.Replay"/> (execute).
/// </summary>
/// <remarks>
/// Its consumer assigns the partitions (never subscribes) under its own group id and never commits, so the live pods'
/// group and offsets are untouched; it leaves the stage's progress keys in Redis alone as well. Side effects are off:
/// rejected records are reported, not dead-lettered, and a dedup processor deduplicates within the replay only.
/// Executing while pods run is safe: anything a pod wrote from a newer record fences the replay's write out.
/// </remarks>
internal sealed class StateReplay(StateStageSpec spec, KafkaClientSettings kafka, IConnectionMultiplexer redis)
{
    /// <summary>Only records with these keys (agent ids) are replayed; null: all.</summary>
    public IReadOnlySet<string>? Keys { get; init; }

    public async Task<ReplayResult> RunAsync(IReadOnlyList<PartitionRange> ranges, bool execute, IProgress<ReplayProgress>? progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var counters = new StageCounters();
        var rejected = new ConcurrentQueue<ReplayRejection>();
        var deadLetters = new ReportedDeadLetters(rejected);
        var processor = new StateRecordProcessor(spec, new RecordProcessorChain(spec.Processors, new ReplayDedupStore()), deadLetters, counters);
        var shadow = execute ? null : new ShadowState(redis.GetDatabase());
        long applied = 0, unchanged = 0;
        FencedStateWriter? writer = null;
        if (execute)
        {
            writer = new FencedStateWriter(redis, spec.Name, new FencedWriterOptions { OffsetsKeyPrefix = RedisKeyspace.OffsetsPrefix, Upkeep = Pipeline.StageUpkeep.For(spec) });
            writer.Acknowledged += batch =>
            {
                Interlocked.Add(ref applied, batch.Applied);
                Interlocked.Add(ref unchanged, batch.Stale);
                foreach (var (write, reason) in batch.Rejected)
                {
                    if (write.Tag is StateInput input)
                        rejected.Enqueue(new ReplayRejection(input.Partition, input.Offset, "Redis refused the write: " + reason));
                }
            };
        }
        try
        {
            var pending = ranges.Where(r => r.Records > 0).ToDictionary(r => r.Partition);
            var done = ranges.ToDictionary(r => r.Partition, _ => 0L);
            foreach (var range in ranges)
                progress?.Report(new ReplayProgress(range.Partition, 0, range.Records));
            if (pending.Count > 0)
            {
                var config = kafka.Consumer(spec.GroupId + ".replay");
                config.EnablePartitionEof = true;
                using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
                consumer.Assign(pending.Values.Select(r => new TopicPartitionOffset(spec.InputTopic, r.Partition, r.From)));
                var lastReport = Stopwatch.StartNew();
                while (pending.Count > 0)
                {
                    ct.ThrowIfCancellationRequested();
                    var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                    if (result is null)
                        continue;
                    if (result.IsPartitionEOF)
                    {
                        // A compacted topic may have lost the last offsets before the range's end: reaching the end of
                        // the log past it finishes the partition too.
                        if (pending.TryGetValue(result.Partition.Value, out var reached) && result.Offset.Value >= reached.To)
                            Finish(consumer, spec.InputTopic, pending, reached, done, progress);
                        continue;
                    }
                    var partition = result.Partition.Value;
                    if (!pending.TryGetValue(partition, out var range))
                        continue;
                    var offset = result.Offset.Value;
                    if (offset >= range.To)
                    {
                        Finish(consumer, spec.InputTopic, pending, range, done, progress);
                        continue;
                    }
                    var message = result.Message;
                    if (Keys is not null && (message.Key is null || !Keys.Contains(System.Text.Encoding.UTF8.GetString(message.Key))))
                    {
                        done[partition] = offset + 1 - range.From;
                        if (offset + 1 >= range.To)
                            Finish(consumer, spec.InputTopic, pending, range, done, progress);
                        continue;
                    }
                    var write = await processor.ToWriteAsync(new StateInput(result.Topic, partition, offset, message.Key, message.Value,
                        message.Headers, message.Timestamp.UnixTimestampMs)).ConfigureAwait(false);
                    if (write is not null)
                    {
                        write = write with { Replay = true };
                        if (writer is not null)
                            await writer.WriteAsync(write, ct).ConfigureAwait(false);
                        else
                            await shadow!.ApplyAsync(write).ConfigureAwait(false);
                    }
                    done[partition] = offset + 1 - range.From;
                    if (offset + 1 >= range.To)
                        Finish(consumer, spec.InputTopic, pending, range, done, progress);
                    else if (lastReport.ElapsedMilliseconds >= 100)
                    {
                        foreach (var r in pending.Values)
                            progress?.Report(new ReplayProgress(r.Partition, done[r.Partition], r.Records));
                        lastReport.Restart();
                    }
                }
                consumer.Close();
            }
            if (writer is not null)
            {
                await writer.FlushAsync(ct).ConfigureAwait(false);
                // Every key of a partition's whole log replayed: Redis holds that partition up to the range's end, as a
                // snapshot would. Say so (progress key, restored mark, epoch), so that pods started on this Redis (a new
                // instance filled by the runbook) resume after it instead of rebuilding it; never lowers anything.
                var whole = Keys is null
                    ? ranges.Where(r => r.From <= r.Earliest && r.To > r.From).ToDictionary(r => r.Partition, r => r.To - 1)
                    : [];
                if (whole.Count > 0)
                    await StageRestore.MarkAsync(redis.GetDatabase(), spec.Name, whole).ConfigureAwait(false);
            }
        }
        finally
        {
            if (writer is not null)
                await writer.DisposeAsync().ConfigureAwait(false);
        }
        var diff = shadow?.Diff() ?? [];
        if (shadow is not null)
            applied = diff.Count(d => d.Change != AgentChange.Unchanged);
        if (shadow is not null)
            unchanged = diff.Count - applied;
        return new ReplayResult(ranges, execute, counters.Consumed, counters.Dropped,
            rejected.OrderBy(r => r.Partition).ThenBy(r => r.Offset).ToArray(), diff, applied, unchanged, clock.Elapsed);
    }

    private static void Finish(IConsumer<byte[]?, byte[]?> consumer, string topic, Dictionary<int, PartitionRange> pending, PartitionRange range,
        Dictionary<int, long> done, IProgress<ReplayProgress>? progress)
    {
        pending.Remove(range.Partition);
        consumer.Pause([new TopicPartition(topic, range.Partition)]);
        done[range.Partition] = range.Records;
        progress?.Report(new ReplayProgress(range.Partition, range.Records, range.Records));
    }

    /// <summary>Collects what the state stage would dead-letter; a replay has no side effects.</summary>
    private sealed class ReportedDeadLetters(ConcurrentQueue<ReplayRejection> rejected) : IDeadLetterSink
    {
        public void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, Headers? headers, string reason) =>
            rejected.Enqueue(new ReplayRejection(partition, offset, reason));
    }

    /// <summary>Dedup claims held for the replay only: live claims in Redis would drop every record the pods already saw.</summary>
    private sealed class ReplayDedupStore : IDedupStore
    {
        private readonly ConcurrentDictionary<string, string> _claims = new(StringComparer.Ordinal);

        public ValueTask<bool> TryClaimAsync(string id, string? record, TimeSpan ttl) =>
            record is null ? new(_claims.TryAdd(id, "")) : new(_claims.GetOrAdd(id, record) == record);
    }
}
