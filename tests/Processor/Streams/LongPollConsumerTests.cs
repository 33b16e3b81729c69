using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Streams;
using Xunit;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Processor.Streams;

/// <summary>
/// The consumer a Streamiz stream thread polls: after a quiet spell a one-window poll waits on the broker until a record
/// arrives (so an idle stage does not loop), and right after a record it waits no longer than Streamiz asked (so a
/// record held in Streamiz's poll list is never delayed). On the embedded native broker, whose fetch is a long poll.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class LongPollConsumerTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(20);
    private readonly LocalKafka _broker = LocalKafka.Start(BrokerKind.Embedded, 1);
    private readonly string _topic = "long-poll-" + Guid.NewGuid().ToString("N")[..8];

    public LongPollConsumerTests() => _broker.CreateTopic(_topic, 1);

    private LongPollConsumer Consumer()
    {
        var config = KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, "g-" + Guid.NewGuid().ToString("N")[..8]);
        config.FetchWaitMaxMs = KafkaClientDefaults.StageFetchWaitMaxMs;
        var inner = new ConsumerBuilder<byte[], byte[]>(config).Build();
        inner.Assign(new TopicPartitionOffset(_topic, 0, Offset.Beginning));
        return new LongPollConsumer(inner, Window, IdleWait);
    }

    private async Task ProduceAsync(string value)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
        await producer.ProduceAsync(_topic, new Message<byte[], byte[]> { Key = "k"u8.ToArray(), Value = System.Text.Encoding.UTF8.GetBytes(value) });
    }

    [Fact]
    public async Task After_a_quiet_spell_a_one_window_poll_waits_for_the_next_record_instead_of_returning_empty()
    {
        using var consumer = Consumer();
        await Task.Delay(100); // quiet for longer than the 20 ms that mark an idle stream thread
        var poll = Task.Run(() => consumer.Consume(Window));
        await Task.Delay(300); // the poll is under way before the record exists: returning after its 1 ms window would give null
        await ProduceAsync("first");
        var result = await poll.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.NotNull(result);
        Assert.Equal("first", System.Text.Encoding.UTF8.GetString(result.Message.Value));
        consumer.Close();
    }

    [Fact]
    public async Task Right_after_a_record_a_poll_waits_no_longer_than_Streamiz_asked()
    {
        using var consumer = Consumer();
        await ProduceAsync("only");
        var first = await Task.Run(() => consumer.Consume(TimeSpan.FromSeconds(15)));
        Assert.NotNull(first);
        var clock = Stopwatch.StartNew();
        var next = consumer.Consume(Window);
        Assert.Null(next);
        // Far below the idle wait (20 s): Streamiz's window was kept, so the record it already holds goes on at once.
        Assert.True(clock.Elapsed < IdleWait / 4, $"the poll after a record took {clock.Elapsed}");
        consumer.Close();
    }

    public void Dispose() => _broker.Dispose();
}
