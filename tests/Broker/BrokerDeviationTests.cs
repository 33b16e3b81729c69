using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Broker;
using ContactCenter.Broker.Log;
using ContactCenter.Processor.Kafka;
using ContactCenter.Tests.Processor.Kafka;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// Where the broker used to differ from Kafka (issue 23): offsets by time inside a compressed batch, compaction of
/// compressed batches, and an acks=0 produce that fails. (ListGroups per coordinator: <see cref="BrokerAdminApiTests"/>.)
/// </summary>
[Trait("Kind", "Integration")]
public sealed class BrokerDeviationTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly KafkaBroker _broker = KafkaBroker.Start(1);

    public void Dispose() => _broker.Dispose();

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    // One produce request holding every message: a long linger and a flush make librdkafka send a single batch.
    private void ProduceOneBatch(string topic, CompressionType codec, IEnumerable<(string? Key, string? Value, long Timestamp)> records)
    {
        var config = KafkaClientDefaults.Producer(_broker.BootstrapServers);
        config.CompressionType = codec;
        config.LingerMs = 5_000;
        config.BatchNumMessages = 10_000;
        using var producer = new ProducerBuilder<string?, string?>(config).Build();
        foreach (var (key, value, timestamp) in records)
            producer.Produce(new TopicPartition(topic, 0), new Message<string?, string?> { Key = key, Value = value, Timestamp = new Timestamp(timestamp, TimestampType.CreateTime) });
        Assert.Equal(0, producer.Flush(Timeout));
    }

    private (int Codec, int Count) FirstBatch(string topic)
    {
        var batches = new List<ReadOnlyMemory<byte>>();
        _broker.Cluster.Partition(topic, 0)!.Read(0, int.MaxValue, true, batches, out _, out _);
        Assert.True(RecordBatch.TryRead(batches[0].Span, out var header));
        return (header.Compression, header.RecordCount);
    }

    [Theory]
    [InlineData(CompressionType.Gzip, 1)]
    [InlineData(CompressionType.Snappy, 2)]
    [InlineData(CompressionType.Lz4, 3)]
    [InlineData(CompressionType.Zstd, 4)]
    public void Offsets_by_time_inside_a_compressed_batch_find_the_first_record_at_or_after(CompressionType codec, int codecId)
    {
        var topic = NewName("ts");
        _broker.CreateTopic(topic, 1);
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        ProduceOneBatch(topic, codec, Enumerable.Range(0, 10).Select(i => ((string?)$"k{i}", (string?)$"value {i} {new string('x', 50)}", start + i * 1000L)));
        Assert.Equal((codecId, 10), FirstBatch(topic));

        using var consumer = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, "unused")).Build();
        long OffsetFor(long timestamp) =>
            consumer.OffsetsForTimes([new TopicPartitionTimestamp(topic, 0, new Timestamp(timestamp, TimestampType.CreateTime))], Timeout)[0].Offset.Value;
        Assert.Equal(5, OffsetFor(start + 5000));
        Assert.Equal(5, OffsetFor(start + 4500));
        Assert.Equal(0, OffsetFor(start - 1));
        Assert.Equal(9, OffsetFor(start + 9000));
        Assert.Equal(Offset.End.Value, OffsetFor(start + 9001)); // none at or after: the end (-1), as Kafka answers
    }

    [Theory]
    [InlineData(CompressionType.Gzip, 1)]
    [InlineData(CompressionType.Snappy, 2)]
    [InlineData(CompressionType.Lz4, 3)]
    [InlineData(CompressionType.Zstd, 4)]
    public void Compaction_rewrites_compressed_batches_with_their_codec(CompressionType codec, int codecId)
    {
        var topic = NewName("cmp");
        _broker.CreateTopic(topic, 1, new Dictionary<string, string> { ["cleanup.policy"] = "compact" });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Batch 0: a, b, c, a, b, d(tombstone kept: recent); batch 1: c again; batch 2 is the active one, never compacted.
        // Values long and repetitive enough that librdkafka keeps the compressed form (it sends a batch plain otherwise).
        string Padded(string value) => value + "|" + new string('x', 300);
        ProduceOneBatch(topic, codec, [("a", Padded("a1"), now), ("b", Padded("b1"), now), ("c", Padded("c1"), now), ("a", Padded("a2"), now), ("b", Padded("b2"), now), ("d", null, now)]);
        ProduceOneBatch(topic, codec, [("c", Padded("c2"), now)]);
        ProduceOneBatch(topic, codec, [("e", Padded("e1"), now)]);

        var deadline = DateTime.UtcNow + Timeout;
        while (FirstBatch(topic).Count == 6 && DateTime.UtcNow < deadline) Thread.Sleep(100);
        // a2, b2 and the tombstone of d, still compressed the same way (compaction never compresses a plain batch).
        Assert.Equal((codecId, 3), FirstBatch(topic));

        var config = KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, NewName("g"));
        config.AutoOffsetReset = AutoOffsetReset.Earliest;
        using var consumer = new ConsumerBuilder<string, string?>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var left = KafkaTestClient.ConsumeExactly(consumer, 5).Select(r => (r.Offset.Value, r.Message.Key, r.Message.Value?.Split('|')[0])).ToList();
        Assert.Equal([(3L, "a", "a2"), (4L, "b", "b2"), (5L, "d", null), (6L, "c", "c2"), (7L, "e", "e1")], left);
    }

    [Fact]
    public async Task A_failed_acks0_produce_closes_the_connection_and_a_good_one_does_not()
    {
        var topic = NewName("a0");
        _broker.CreateTopic(topic, 1, new Dictionary<string, string> { ["max.message.bytes"] = "500" });
        var small = TestBatches.Keyed(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ("k", "v"));
        var large = TestBatches.Keyed(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ("k", new string('x', 2000)));

        Assert.True(await ProduceAcks0ThenAskVersionsAsync(topic, small), "a good acks=0 produce keeps the connection");
        Assert.False(await ProduceAcks0ThenAskVersionsAsync(topic, large), "an oversize acks=0 produce closes the connection");
        Assert.Equal(1, _broker.Cluster.Partition(topic, 0)!.HighWatermark); // and was not appended
    }

    // Sends Produce v7 (acks=0) then ApiVersions v0 on one connection; true when ApiVersions is answered.
    private async Task<bool> ProduceAcks0ThenAskVersionsAsync(string topic, byte[] batch)
    {
        var body = new List<byte>();
        void Int16(short v) { var b = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); body.AddRange(b); }
        void Int32(int v) { var b = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); body.AddRange(b); }
        Int16(-1);       // no transactional id
        Int16(0);        // acks
        Int32(5000);     // timeout
        Int32(1); Int16((short)topic.Length); body.AddRange(Encoding.UTF8.GetBytes(topic));
        Int32(1); Int32(0); Int32(batch.Length); body.AddRange(batch);

        var parts = _broker.BootstrapServers.Split(':');
        using var client = new TcpClient();
        await client.ConnectAsync(parts[0], int.Parse(parts[1]));
        var stream = client.GetStream();
        await stream.WriteAsync(Frame(0, 7, 1, body.ToArray()));
        try { await stream.WriteAsync(Frame(18, 0, 2, [])); }
        catch (IOException) { return false; }
        var header = new byte[8];
        using var deadline = new CancellationTokenSource(Timeout);
        try { await stream.ReadExactlyAsync(header, deadline.Token); }
        catch (EndOfStreamException) { return false; }
        catch (IOException) { return false; }
        return BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)) == 2; // the ApiVersions answer, nothing for the produce
    }

    private static byte[] Frame(short apiKey, short version, int correlationId, byte[] body)
    {
        var frame = new byte[4 + 10 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), apiKey);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(6), version);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(8), correlationId);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12), 0); // empty client id
        body.CopyTo(frame.AsSpan(14));
        return frame;
    }
}
