using Confluent.Kafka;
using ContactCenter.Processor.Kafka;

namespace ContactCenter.Processor.Operations;

/// <summary>One record's position and timestamp, as read back from the log.</summary>
internal readonly record struct LoggedRecord(long Offset, long TimestampMs);

/// <summary>
/// Read-only access to a topic's partitions for the operator tools: bounds (earliest / end offsets) and single
/// records at an offset. Its consumer only ever uses <c>Assign</c> and never commits: it joins no group and moves
/// nobody's offsets.
/// </summary>
internal interface IPartitionLog
{
    string Topic { get; }

    /// <summary>[earliest, end) of <paramref name="partition"/>: the first offset still kept and the next offset to be written.</summary>
    (long Earliest, long End) Bounds(int partition);

    /// <summary>The first record at or after <paramref name="offset"/> and before <paramref name="end"/>; null when there is none.</summary>
    LoggedRecord? ReadAt(int partition, long offset, long end);
}

/// <summary><see cref="IPartitionLog"/> on a Kafka cluster.</summary>
internal sealed class KafkaPartitionLog : IPartitionLog, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly IConsumer<byte[]?, byte[]?> _consumer;

    public KafkaPartitionLog(KafkaClientSettings kafka, string topic, string groupId)
    {
        Topic = topic;
        var config = kafka.Consumer(groupId, "offsets");
        config.FetchWaitMaxMs = 5;
        config.EnablePartitionEof = true;
        _consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
    }

    public string Topic { get; }

    /// <summary>The consumer, for a broker time-index lookup (<see cref="BrokerTimeIndex"/>).</summary>
    internal IConsumer<byte[]?, byte[]?> Consumer => _consumer;

    public (long Earliest, long End) Bounds(int partition)
    {
        var marks = _consumer.QueryWatermarkOffsets(new TopicPartition(Topic, partition), Timeout);
        return (marks.Low.Value, marks.High.Value);
    }

    public LoggedRecord? ReadAt(int partition, long offset, long end)
    {
        if (offset >= end)
            return null;
        _consumer.Assign(new TopicPartitionOffset(Topic, partition, offset));
        try
        {
            var until = DateTime.UtcNow + Timeout;
            while (DateTime.UtcNow < until)
            {
                var result = _consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is null)
                    continue;
                if (result.IsPartitionEOF)
                    return null;
                return result.Offset.Value < end ? new LoggedRecord(result.Offset.Value, result.Message.Timestamp.UnixTimestampMs) : null;
            }
            throw new TimeoutException($"no answer reading {Topic}[{partition}] at offset {offset} within {Timeout.TotalSeconds:0} s");
        }
        finally
        {
            _consumer.Unassign();
        }
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
