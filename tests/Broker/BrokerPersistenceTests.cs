using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Broker;

namespace ContactCenter.Tests.Broker;

/// <summary>--data-dir: a broker stopped and started again on the same directory has its topics, data and offsets.</summary>
[Trait("Kind", "Integration")]
public sealed class BrokerPersistenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-broker-data-").FullName;

    private KafkaBroker Start() => KafkaBroker.Start(2, new KafkaBrokerOptions { DataDirectory = _dir });

    [Fact]
    public async Task A_restarted_broker_keeps_topics_records_and_committed_offsets()
    {
        var group = $"g-{Guid.NewGuid():N}"[..12];
        using (var broker = Start())
        {
            broker.CreateTopic("kept", 2, new Dictionary<string, string> { ["retention.ms"] = "-1" });
            using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
            await KafkaTestClient.ProduceAllAsync(producer, "kept",
                Enumerable.Range(0, 20).Select(i => new Message<string, string> { Key = $"k{i % 4}", Value = $"v{i}" }));
            using var consumer = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(broker.BootstrapServers, group)).Build();
            consumer.Assign(new TopicPartitionOffset("kept", 0, Offset.Beginning));
            var read = KafkaTestClient.ConsumeExactly(consumer, 3);
            consumer.Commit([new TopicPartitionOffset("kept", 0, read[^1].Offset + 1)]);
            consumer.Close();
        }

        using (var broker = Start())
        {
            var topic = broker.Cluster.Topic("kept");
            Assert.NotNull(topic);
            Assert.Equal("-1", topic.Configs["retention.ms"]);
            Assert.Equal(20, topic.Partitions.Sum(p => p.HighWatermark));

            using var consumer = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(broker.BootstrapServers, group)).Build();
            var committed = consumer.Committed([new TopicPartition("kept", 0)], TimeSpan.FromSeconds(10));
            Assert.Equal(3, committed[0].Offset.Value);
            consumer.Assign(new TopicPartitionOffset("kept", 1, Offset.Beginning));
            var rest = KafkaTestClient.ConsumeExactly(consumer, (int)topic.Partitions[1].HighWatermark);
            Assert.All(rest, r => Assert.StartsWith("v", r.Message.Value));
            consumer.Close();

            using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
            var next = await producer.ProduceAsync(new TopicPartition("kept", 0), new Message<string, string> { Key = "k", Value = "after" });
            Assert.Equal(topic.Partitions[0].HighWatermark - 1, next.Offset.Value);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
