using ContactCenter.Processor.Kafka;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Topology.Events;
using Microsoft.Extensions.Logging.Abstractions;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>The dead-letter copy always fits, on the embedded broker over TCP.</summary>
[Collection(KafkaCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class DeadLetterSinkTests(BrokerFixture kafka)
{
    private static string Header(Message<byte[]?, byte[]?> m, string name) =>
        m.Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : "<absent>";

    [Fact]
    public void A_record_too_large_to_copy_keeps_its_key_headers_size_origin_and_a_prefix_of_its_value()
    {
        var topic = kafka.NewTopic(1, "dlq");
        var value = new byte[1_100_000];
        Random.Shared.NextBytes(value);
        var sink = new KafkaDeadLetterSink(new KafkaClientSettings(kafka.BootstrapServers), topic, NullLogger.Instance);
        sink.Send("agent", 4, 77, "a1"u8.ToArray(), value, new Headers { { "trace-id", "t-1"u8.ToArray() } }, "value is 1100000 bytes");
        sink.Send("agent", 4, 78, "a2"u8.ToArray(), "{\"x\":1}"u8.ToArray(), new Headers { { EventHeaders.Op, "CREATED"u8.ToArray() } }, "missing field 'version'");
        sink.Dispose();

        using var consumer = kafka.Consumer<byte[]?, byte[]?>(kafka.NewGroup());
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var records = KafkaTestClient.ConsumeExactly(consumer, 2).Select(r => r.Message).ToList();

        var large = records.Single(m => m.Key!.SequenceEqual("a1"u8.ToArray()));
        Assert.Equal(value[..DeadLetterCopy.TruncatedValueBytes], large.Value);
        Assert.Equal("value", Header(large, EventHeaders.DeadLetterTruncated));
        Assert.Equal("1100000", Header(large, EventHeaders.DeadLetterSize));
        Assert.Equal("agent/4/77", Header(large, EventHeaders.DeadLetterSource));
        Assert.Equal("value is 1100000 bytes", Header(large, EventHeaders.DeadLetterReason));
        Assert.Equal("t-1", Header(large, "trace-id"));

        var small = records.Single(m => m.Key!.SequenceEqual("a2"u8.ToArray()));
        Assert.Equal("{\"x\":1}"u8.ToArray(), small.Value);
        Assert.Equal("<absent>", Header(small, EventHeaders.DeadLetterTruncated));
        Assert.Equal("CREATED", Header(small, EventHeaders.Op));
        Assert.Equal(2, sink.Sent);
        Assert.Equal(0, sink.Failed);
    }
}
