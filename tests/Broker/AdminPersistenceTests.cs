using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContactCenter.Broker;
using ContactCenter.Processor.Kafka;

namespace ContactCenter.Tests.Broker;

/// <summary>What the admin APIs change survives a restart on the same data directory (<c>--data-dir</c>).</summary>
[Trait("Kind", "Integration")]
public sealed class AdminPersistenceTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"cc-admin-persist-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task Partitions_configs_log_start_and_deleted_groups_are_kept()
    {
        var options = new KafkaBrokerOptions { DataDirectory = _dataDir };
        using (var broker = KafkaBroker.Start(1, options))
        {
            broker.CreateTopic("kept", 1);
            using var admin = new AdminClientBuilder(KafkaClientDefaults.Admin(broker.BootstrapServers)).Build();
            using (var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build())
            {
                for (var i = 0; i < 10; i++) producer.Produce(new TopicPartition("kept", 0), new Message<string, string> { Key = "k", Value = $"v{i}" });
                producer.Flush(TimeSpan.FromSeconds(20));
            }
            await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "kept", IncreaseTo = 3 }]);
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = ResourceType.Topic, Name = "kept" }] = [new ConfigEntry { Name = "retention.ms", Value = "-1", IncrementalOperation = AlterConfigOpType.Set }],
            });
            await admin.DeleteRecordsAsync([new TopicPartitionOffset("kept", 0, 7)]);
            using (var consumer = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(broker.BootstrapServers, "gone")).Build())
                consumer.Commit([new TopicPartitionOffset("kept", 0, 9)]);
            await admin.DeleteGroupsAsync(["gone"]);
        }

        using var again = KafkaBroker.Start(1, options);
        var topic = again.Cluster.Topic("kept")!;
        Assert.Equal(3, topic.Partitions.Count);
        Assert.Equal("-1", topic.Configs["retention.ms"]);
        Assert.Equal(7, topic.Partitions[0].LogStartOffset); // inside the one batch of 10: kept beside the log
        Assert.Equal(10, topic.Partitions[0].HighWatermark);
        Assert.Null(again.Cluster.Groups.Describe("gone"));
    }
}
