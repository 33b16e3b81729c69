using System.Diagnostics;
using Confluent.Kafka;

namespace ContactCenter.Processor.Streams;

/// <summary>
/// The consumer a Streamiz stream thread polls, changed in one way: when nothing has arrived for longer than one of
/// Streamiz's poll windows, a poll waits for the next record (up to <c>idleWait</c>) instead of returning empty after
/// <c>PollMs</c>. Everything else is passed through.
/// </summary>
/// <remarks>
/// Streamiz 1.8 gathers a poll by calling <c>Consume</c> until <c>PollMs</c> has passed or <c>max.poll.records</c>
/// were read, so a record that arrived first waits for the whole window: the window must stay short (1 ms) for latency.
/// Then an idle stream thread runs its whole loop (metrics, punctuation, commit checks) a thousand times a second.
/// Waiting long is safe only at the start of a poll, when no record is held in Streamiz's list yet; a record handed
/// out recently may belong to the current poll, so then the call waits no longer than Streamiz asked.
/// The wait is librdkafka's own (a condition variable, woken by the fetch that brings data): no CPU while idle, no
/// added latency when a record arrives.
/// </remarks>
internal sealed class LongPollConsumer(IConsumer<byte[], byte[]> inner, TimeSpan pollWindow, TimeSpan idleWait) : IConsumer<byte[], byte[]>
{
    /// <summary>How long no record must have arrived before a poll may wait long: many windows, so that a pause of the
    /// stream thread (GC, scheduling) in the middle of a poll can never be mistaken for its start.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(20);

    private long _lastRecordTimestamp = Stopwatch.GetTimestamp();

    public ConsumeResult<byte[], byte[]> Consume(TimeSpan timeout)
    {
        // Streamiz waits at most one window per call; anything longer is its own choice and is passed through.
        if (timeout > TimeSpan.Zero && timeout <= pollWindow && Stopwatch.GetElapsedTime(_lastRecordTimestamp) > Quiet)
            timeout = idleWait;
        var result = inner.Consume(timeout);
        if (result is not null)
            _lastRecordTimestamp = Stopwatch.GetTimestamp();
        return result!;
    }

    public ConsumeResult<byte[], byte[]> Consume(int millisecondsTimeout) => Consume(TimeSpan.FromMilliseconds(millisecondsTimeout));

    public ConsumeResult<byte[], byte[]> Consume(CancellationToken cancellationToken = default)
    {
        var result = inner.Consume(cancellationToken);
        _lastRecordTimestamp = Stopwatch.GetTimestamp();
        return result;
    }

    public Handle Handle => inner.Handle;
    public string Name => inner.Name;
    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);
    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);
    public string MemberId => inner.MemberId;
    public List<TopicPartition> Assignment => inner.Assignment;
    public List<string> Subscription => inner.Subscription;
    public IConsumerGroupMetadata ConsumerGroupMetadata => inner.ConsumerGroupMetadata;
    public void Subscribe(IEnumerable<string> topics) => inner.Subscribe(topics);
    public void Subscribe(string topic) => inner.Subscribe(topic);
    public void Unsubscribe() => inner.Unsubscribe();
    public void Assign(TopicPartition partition) => inner.Assign(partition);
    public void Assign(TopicPartitionOffset partition) => inner.Assign(partition);
    public void Assign(IEnumerable<TopicPartitionOffset> partitions) => inner.Assign(partitions);
    public void Assign(IEnumerable<TopicPartition> partitions) => inner.Assign(partitions);
    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => inner.IncrementalAssign(partitions);
    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => inner.IncrementalAssign(partitions);
    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => inner.IncrementalUnassign(partitions);
    public void Unassign() => inner.Unassign();
    public void StoreOffset(ConsumeResult<byte[], byte[]> result) => inner.StoreOffset(result);
    public void StoreOffset(TopicPartitionOffset offset) => inner.StoreOffset(offset);
    public List<TopicPartitionOffset> Commit() => inner.Commit();
    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => inner.Commit(offsets);
    public void Commit(ConsumeResult<byte[], byte[]> result) => inner.Commit(result);
    public void Seek(TopicPartitionOffset tpo) => inner.Seek(tpo);
    public void Pause(IEnumerable<TopicPartition> partitions) => inner.Pause(partitions);
    public void Resume(IEnumerable<TopicPartition> partitions) => inner.Resume(partitions);
    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => inner.Committed(timeout);
    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => inner.Committed(partitions, timeout);
    public Offset Position(TopicPartition partition) => inner.Position(partition);
    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) =>
        inner.OffsetsForTimes(timestampsToSearch, timeout);
    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => inner.GetWatermarkOffsets(topicPartition);
    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => inner.QueryWatermarkOffsets(topicPartition, timeout);
    public void Close() => inner.Close();
    public void Dispose() => inner.Dispose();
}
