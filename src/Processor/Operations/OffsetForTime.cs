using Confluent.Kafka;

namespace ContactCenter.Processor.Operations;

/// <summary>How an offset for a time was found, for the operator to see.</summary>
internal enum TimeLookup
{
    /// <summary>The broker's time index (ListOffsets by timestamp) answered, and the records around its answer agree.</summary>
    Broker,

    /// <summary>The broker's answer was missing or contradicted the records: a binary search over record timestamps.</summary>
    Search,
}

/// <summary>
/// Time to offset: the first offset of a partition whose record timestamp is at or after a time (the end offset when
/// none is), as Kafka's own <c>offsetsForTimes</c> defines it. One interface for every way of finding it.
/// </summary>
internal interface IOffsetForTime
{
    (long Offset, TimeLookup How) Find(int partition, DateTimeOffset time, long earliest, long end);
}

/// <summary>A broker's time index: <c>OffsetsForTimes</c>. Null when it gives no usable answer.</summary>
internal interface IBrokerTimeIndex
{
    long? Lookup(int partition, DateTimeOffset time);
}

/// <summary><see cref="IBrokerTimeIndex"/> through a consumer's <c>OffsetsForTimes</c>.</summary>
internal sealed class BrokerTimeIndex(IConsumer<byte[]?, byte[]?> consumer, string topic) : IBrokerTimeIndex
{
    public long? Lookup(int partition, DateTimeOffset time)
    {
        try
        {
            var answer = consumer.OffsetsForTimes(
                [new TopicPartitionTimestamp(topic, partition, new Timestamp(time.ToUnixTimeMilliseconds(), TimestampType.CreateTime))],
                TimeSpan.FromSeconds(10));
            var offset = answer.Single().Offset;
            return offset.IsSpecial ? null : offset.Value;
        }
        catch (KafkaException)
        {
            return null;
        }
    }
}

/// <summary>
/// The broker's answer where it can be trusted, else a binary search over the records' timestamps. The answer is
/// checked against the two records around it (the one at the answer must be at or after the time, the one before it
/// earlier): librdkafka's mock broker, for one, answers "end" to every question. The search assumes timestamps grow
/// with offsets, as they do for producer-stamped records on one partition (Kafka's own time index assumes as much).
/// </summary>
internal sealed class OffsetForTime(IPartitionLog log, IBrokerTimeIndex? broker) : IOffsetForTime
{
    /// <summary>How many records were read to check or search (tests and progress output).</summary>
    public int RecordsRead { get; private set; }

    public (long Offset, TimeLookup How) Find(int partition, DateTimeOffset time, long earliest, long end)
    {
        var t = time.ToUnixTimeMilliseconds();
        if (broker?.Lookup(partition, time) is { } answer && answer >= earliest && answer <= end && Agrees(partition, answer, t, earliest, end))
            return (answer, TimeLookup.Broker);
        return (Search(partition, t, earliest, end), TimeLookup.Search);
    }

    private bool Agrees(int partition, long answer, long t, long earliest, long end)
    {
        if (answer < end && (Read(partition, answer, end) is not { } at || at.TimestampMs < t))
            return false;
        if (answer > earliest && Read(partition, answer - 1, end) is { } before && before.Offset < answer && before.TimestampMs >= t)
            return false;
        return true;
    }

    private long Search(int partition, long t, long earliest, long end)
    {
        var low = earliest;
        var high = end;
        while (low < high)
        {
            var mid = low + (high - low) / 2;
            if (Read(partition, mid, high) is not { } record || record.TimestampMs >= t)
                high = mid;
            else
                low = record.Offset + 1;
        }
        return low;
    }

    private LoggedRecord? Read(int partition, long offset, long end)
    {
        RecordsRead++;
        return log.ReadAt(partition, offset, end);
    }
}
