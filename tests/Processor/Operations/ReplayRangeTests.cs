using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Operations;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Processor.Operations;

/// <summary>A partition log in memory: offsets [earliest, end) with the given timestamps; gaps where a record was compacted away.</summary>
internal sealed class FakeLog(string topic, Dictionary<int, (long Earliest, SortedDictionary<long, long> Records, long End)> partitions) : IPartitionLog
{
    public int Reads { get; private set; }

    public string Topic => topic;

    public (long Earliest, long End) Bounds(int partition) => (partitions[partition].Earliest, partitions[partition].End);

    public LoggedRecord? ReadAt(int partition, long offset, long end)
    {
        Reads++;
        foreach (var (o, t) in partitions[partition].Records)
        {
            if (o >= offset && o < end) return new LoggedRecord(o, t);
        }
        return null;
    }

    /// <summary>One partition with records at <paramref name="earliest"/>.. stamped 1000 + 10 * offset.</summary>
    public static FakeLog Linear(long earliest, long end, int partitionCount = 1, params long[] gaps)
    {
        var all = new Dictionary<int, (long, SortedDictionary<long, long>, long)>();
        for (var p = 0; p < partitionCount; p++)
        {
            var records = new SortedDictionary<long, long>();
            for (var o = earliest; o < end; o++)
            {
                if (!gaps.Contains(o)) records[o] = 1000 + 10 * o;
            }
            all[p] = (earliest, records, end);
        }
        return new FakeLog("t", all);
    }
}

internal sealed class FakeTimeIndex(Func<int, DateTimeOffset, long?> answer) : IBrokerTimeIndex
{
    public int Calls { get; private set; }

    public long? Lookup(int partition, DateTimeOffset time)
    {
        Calls++;
        return answer(partition, time);
    }
}

[Trait("Kind", "Unit")]
public sealed class OffsetForTimeTests
{
    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    [Theory]
    [InlineData(0, 0)]       // before every record: the first one
    [InlineData(1000, 0)]
    [InlineData(1001, 1)]    // between two records: the later one
    [InlineData(1500, 50)]
    [InlineData(1990, 99)]
    [InlineData(1991, 100)]  // after every record: the end
    public void Search_finds_the_first_record_at_or_after_the_time(long ms, long expected)
    {
        var log = FakeLog.Linear(0, 100);
        var (offset, how) = new OffsetForTime(log, broker: null).Find(0, At(ms), 0, 100);
        Assert.Equal(expected, offset);
        Assert.Equal(TimeLookup.Search, how);
        Assert.InRange(log.Reads, 1, 8);
    }

    [Fact]
    public void Search_steps_over_compacted_gaps()
    {
        var log = FakeLog.Linear(10, 40, 1, 20, 21, 22);
        var finder = new OffsetForTime(log, null);
        // 1205 is between offset 20 (gone) and 21 (gone): the first record at or after is 23; an offset in the gap reads it too.
        var (offset, _) = finder.Find(0, At(1205), 10, 40);
        Assert.Equal(23, log.ReadAt(0, offset, 40)!.Value.Offset);
        Assert.Equal(10, finder.Find(0, At(0), 10, 40).Offset);
    }

    [Fact]
    public void A_correct_broker_answer_is_used_after_checking_the_two_records_around_it()
    {
        var log = FakeLog.Linear(0, 100);
        var broker = new FakeTimeIndex((_, t) => (t.ToUnixTimeMilliseconds() - 1000 + 9) / 10);
        var (offset, how) = new OffsetForTime(log, broker).Find(0, At(1500), 0, 100);
        Assert.Equal((50, TimeLookup.Broker), (offset, how));
        Assert.Equal(2, log.Reads);
    }

    [Fact]
    public void The_mock_brokers_answer_end_to_everything_is_caught_and_searched_instead()
    {
        var log = FakeLog.Linear(0, 100);
        var broker = new FakeTimeIndex((_, _) => 100);
        Assert.Equal((50L, TimeLookup.Search), new OffsetForTime(log, broker).Find(0, At(1500), 0, 100));
        // ...while "end" for a time after every record is the right answer and kept.
        Assert.Equal((100L, TimeLookup.Broker), new OffsetForTime(log, broker).Find(0, At(5000), 0, 100));
    }

    [Fact]
    public void No_answer_or_one_outside_the_log_falls_back_to_the_search()
    {
        var log = FakeLog.Linear(0, 100);
        Assert.Equal((50L, TimeLookup.Search), new OffsetForTime(log, new FakeTimeIndex((_, _) => null)).Find(0, At(1500), 0, 100));
        Assert.Equal((50L, TimeLookup.Search), new OffsetForTime(log, new FakeTimeIndex((_, _) => 500)).Find(0, At(1500), 0, 100));
    }
}

[Trait("Kind", "Unit")]
public sealed class ReplayRangeTests
{
    private static readonly DateTimeOffset Started = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000);

    private static (IReadOnlyList<PartitionRange> Ranges, List<string> Errors) Resolve(string from, string to, FakeLog log, int partitions = 2,
        IReadOnlyDictionary<int, long>? redis = null)
    {
        Assert.True(ReplayRange.TryParseStart(from, out var start, out var e1), e1);
        Assert.True(ReplayRange.TryParseEnd(to, out var end, out var e2), e2);
        var errors = new List<string>();
        var ranges = ReplayRange.Resolve(start, end, partitions, log, new OffsetForTime(log, null), redis ?? new Dictionary<int, long>(), Started, errors);
        return (ranges, errors);
    }

    [Fact]
    public void Earliest_to_latest_at_start_covers_each_partitions_log()
    {
        var (ranges, errors) = Resolve("earliest", "latest-at-start", FakeLog.Linear(5, 50, 2));
        Assert.Empty(errors);
        Assert.Equal([(0, 5L, 50L), (1, 5L, 50L)], ranges.Select(r => (r.Partition, r.From, r.To)));
    }

    [Fact]
    public void Per_partition_offsets_replay_only_the_listed_partitions()
    {
        var (ranges, errors) = Resolve("1:20", "40", FakeLog.Linear(0, 50, 3), partitions: 3);
        Assert.Empty(errors);
        Assert.Equal([(1, 20L, 40L)], ranges.Select(r => (r.Partition, r.From, r.To)));
    }

    [Fact]
    public void Date_times_resolve_per_partition_by_record_timestamps()
    {
        var (ranges, errors) = Resolve("1970-01-01T00:00:01.100Z", "1970-01-01T00:00:01.300Z", FakeLog.Linear(0, 50, 1), partitions: 1);
        Assert.Empty(errors);
        Assert.Equal((10L, 30L), (ranges[0].From, ranges[0].To));
    }

    [Fact]
    public void Redis_starts_after_the_offset_the_stage_recorded()
    {
        var (ranges, errors) = Resolve("redis", "latest-at-start", FakeLog.Linear(0, 50, 2), redis: new Dictionary<int, long> { [0] = 41 });
        Assert.Empty(errors);
        Assert.Equal([(0, 42L), (1, 0L)], ranges.Select(r => (r.Partition, r.From)));
    }

    [Theory]
    [InlineData("3", "latest-at-start", "--from 3 is outside the log: the log of t[0] holds offsets 5..49 (end 50)")]
    [InlineData("earliest", "60", "--to 60 is outside the log: the log of t[0] holds offsets 5..49 (end 50)")]
    [InlineData("30", "20", "--to 20 is before --from 30")]
    [InlineData("7:1", "latest-at-start", "partition 7: t has partitions 0..1")]
    [InlineData("1970-01-01T00:00:00Z", "latest-at-start", "before the oldest record still kept")]
    [InlineData("2999-01-01", "latest-at-start", "is in the future")]
    public void A_range_outside_the_log_is_refused_with_the_real_bounds_never_clamped(string from, string to, string expected)
    {
        var (ranges, errors) = Resolve(from, to, FakeLog.Linear(5, 50, 2));
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(ranges, r => r.From < r.Earliest || r.To > r.End);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("1:x")]
    [InlineData("1:2,1:3")]
    public void Unreadable_starts_are_refused(string from) =>
        Assert.False(ReplayRange.TryParseStart(from, out _, out _));
}

/// <summary>Time to offset against the embedded broker, whose time index answers "end" to every question.</summary>
[Trait("Kind", "Integration")]
public sealed class OffsetForTimeOnBrokerTests : IDisposable
{
    private readonly ContactCenter.Sandbox.Kafka.LibrdkafkaMockCluster _broker = ContactCenter.Sandbox.Kafka.LibrdkafkaMockCluster.Start(1);

    [Fact]
    public async Task The_mock_brokers_time_index_is_not_trusted_and_the_record_timestamps_are_searched()
    {
        _broker.CreateTopic("timed", 1);
        using (var producer = new Confluent.Kafka.ProducerBuilder<byte[]?, byte[]?>(ContactCenter.Processor.Kafka.KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 40; i++)
            {
                await producer.ProduceAsync(new Confluent.Kafka.TopicPartition("timed", 0), new Confluent.Kafka.Message<byte[]?, byte[]?>
                {
                    Value = [1],
                    Timestamp = new Confluent.Kafka.Timestamp(1_700_000_000_000 + 1000 * i, Confluent.Kafka.TimestampType.CreateTime),
                });
            }
        }
        using var log = new KafkaPartitionLog(new KafkaClientSettings(_broker.BootstrapServers), "timed", "offset-for-time-test");
        Assert.Equal((0L, 40L), log.Bounds(0));
        var finder = new OffsetForTime(log, new BrokerTimeIndex(log.Consumer, "timed"));
        Assert.Equal((25L, TimeLookup.Search), finder.Find(0, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_024_500), 0, 40));
        Assert.Equal((0L, TimeLookup.Search), finder.Find(0, DateTimeOffset.FromUnixTimeMilliseconds(1_600_000_000_000), 0, 40));
        // After every record, "end" is the right answer: accepted from the broker once the last record agrees.
        Assert.Equal(40L, finder.Find(0, DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000), 0, 40).Offset);
    }

    public void Dispose() => _broker.Dispose();
}
