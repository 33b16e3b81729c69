using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using Xunit;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Sandbox.Kafka;

/// <summary>The embedded mock cluster, exercised over TCP by real Confluent.Kafka clients.</summary>
[Trait("Kind", "Integration")]
public class LibrdkafkaMockClusterTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Round_trip_keeps_keys_values_and_headers()
    {
        var topic = fixture.NewTopic(3);
        using var producer = fixture.Producer<string, string>();
        var sent = Enumerable.Range(0, 20).Select(i => new Message<string, string>
        {
            Key = $"agent-{i % 7}",
            Value = $"payload-{i}",
            Headers = new Headers { { "cc-op", Encoding.UTF8.GetBytes(i % 2 == 0 ? "CREATED" : "UPDATED") }, { "seq", [(byte)i] } },
        }).ToList();
        await KafkaTestClient.ProduceAllAsync(producer, topic, sent);

        using var consumer = fixture.Consumer<string, string>(fixture.NewGroup());
        consumer.Subscribe(topic);
        var received = KafkaTestClient.ConsumeExactly(consumer, sent.Count);

        var bySeq = received.ToDictionary(r => (int)r.Message.Headers.GetLastBytes("seq")[0]);
        Assert.Equal(sent.Count, bySeq.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            var got = bySeq[i].Message;
            Assert.Equal(sent[i].Key, got.Key);
            Assert.Equal(sent[i].Value, got.Value);
            Assert.Equal(Encoding.UTF8.GetString(sent[i].Headers.GetLastBytes("cc-op")), Encoding.UTF8.GetString(got.Headers.GetLastBytes("cc-op")));
        }
        consumer.Close();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(12)]
    public void Created_topic_has_the_requested_partitions_in_metadata(int partitions)
    {
        var topic = fixture.NewTopic(partitions);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        var fromAdmin = admin.GetMetadata(topic, MetadataTimeout).Topics.Single(t => t.Topic == topic);
        Assert.False(fromAdmin.Error.IsError, fromAdmin.Error.Reason);
        Assert.Equal(partitions, fromAdmin.Partitions.Count);
        Assert.All(fromAdmin.Partitions, p => Assert.InRange(p.Leader, 1, fixture.Broker.BrokerCount));

        // The same view through a producer's own connection.
        using var producer = fixture.Producer<Null, string>();
        using var viaProducer = new DependentAdminClientBuilder(producer.Handle).Build();
        Assert.Equal(partitions, viaProducer.GetMetadata(topic, MetadataTimeout).Topics.Single(t => t.Topic == topic).Partitions.Count);
    }

    [Fact]
    public async Task Creating_a_topic_again_is_fine_with_the_same_partitions_and_refused_with_others()
    {
        var topic = fixture.NewTopic(4);
        fixture.Broker.CreateTopic(topic, 4);
        await new MockTopicProvisioner(fixture.Broker).EnsureTopicAsync(topic, 4);

        Assert.Throws<InvalidOperationException>(() => fixture.Broker.CreateTopic(topic, 5));
        await Assert.ThrowsAsync<InvalidOperationException>(() => new MockTopicProvisioner(fixture.Broker).EnsureTopicAsync(topic, 2));
    }

    [Fact]
    public async Task A_topic_auto_created_by_a_producer_is_recognised_with_its_real_partition_count()
    {
        var topic = "auto-" + Guid.NewGuid().ToString("N")[..8];
        using (var producer = fixture.Producer<Null, string>())
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "x" }).WaitAsync(KafkaTestClient.DefaultDeadline);
        var existing = fixture.Broker.PartitionCountFromMetadata(topic);
        Assert.True(existing > 0);

        fixture.Broker.CreateTopic(topic, existing); // matches: fine
        var error = Assert.Throws<InvalidOperationException>(() => fixture.Broker.CreateTopic(topic, existing + 1));
        Assert.Contains($"{existing} partitions", error.Message);
    }

    [Fact]
    public async Task Key_partitioning_is_stable_across_producers_and_matches_java_murmur2()
    {
        const int partitions = 8;
        var topic = fixture.NewTopic(partitions);
        var keys = Enumerable.Range(0, 64).Select(i => $"agent-{i * 7919}").ToList();

        async Task<Dictionary<string, int>> PlaceAsync()
        {
            using var producer = fixture.Producer<string, string>();
            var results = await KafkaTestClient.ProduceAllAsync(producer, topic,
                keys.Select(k => new Message<string, string> { Key = k, Value = "v" }));
            return results.ToDictionary(r => r.Message.Key, r => r.Partition.Value);
        }

        var first = await PlaceAsync();
        var second = await PlaceAsync();

        Assert.Equal(first, second);
        foreach (var key in keys)
            Assert.Equal(Murmur2.Partition(Encoding.UTF8.GetBytes(key), partitions), first[key]);
        Assert.True(first.Values.Distinct().Count() > partitions / 2, "keys should spread over the partitions");
    }

    [Fact]
    public async Task Two_consumer_groups_on_one_topic_each_receive_everything()
    {
        var topic = fixture.NewTopic(3);
        using var producer = fixture.Producer<string, int>();
        await KafkaTestClient.ProduceAllAsync(producer, topic,
            Enumerable.Range(0, 30).Select(i => new Message<string, int> { Key = $"k{i}", Value = i }));

        using var a = fixture.Consumer<string, int>(fixture.NewGroup("a"));
        using var b = fixture.Consumer<string, int>(fixture.NewGroup("b"));
        a.Subscribe(topic);
        b.Subscribe(topic);

        var fromA = KafkaTestClient.ConsumeExactly(a, 30).Select(r => r.Message.Value).Order();
        var fromB = KafkaTestClient.ConsumeExactly(b, 30).Select(r => r.Message.Value).Order();

        Assert.Equal(Enumerable.Range(0, 30), fromA);
        Assert.Equal(Enumerable.Range(0, 30), fromB);
        a.Close();
        b.Close();
    }

    [Fact]
    public async Task A_new_consumer_resumes_after_the_committed_offset()
    {
        var topic = fixture.NewTopic(1);
        var group = fixture.NewGroup();
        using (var producer = fixture.Producer<Null, int>())
            await KafkaTestClient.ProduceAllAsync(producer, topic,
                Enumerable.Range(0, 10).Select(i => new Message<Null, int> { Value = i }));

        using (var first = fixture.Consumer<Null, int>(group))
        {
            first.Subscribe(topic);
            var read = KafkaTestClient.ConsumeExactly(first, 4);
            Assert.Equal([0, 1, 2, 3], read.Select(r => r.Message.Value));
            first.Commit(read[^1]); // commits offset 4: the next record to read
            first.Close();
        }

        using var second = fixture.Consumer<Null, int>(group);
        second.Subscribe(topic);
        var rest = KafkaTestClient.ConsumeExactly(second, 6);
        Assert.Equal(Enumerable.Range(4, 6), rest.Select(r => r.Message.Value));
        Assert.Equal(4, rest[0].Offset.Value);
        second.Close();
    }

    [Fact]
    public void Dispose_is_idempotent_and_the_broker_is_unusable_afterwards()
    {
        var broker = LibrdkafkaMockCluster.Start();
        Assert.Matches(@"^127\.0\.0\.1:\d+$", broker.BootstrapServers);
        broker.CreateTopic("x", 2);
        broker.Dispose();
        broker.Dispose();
        Assert.Throws<ObjectDisposedException>(() => broker.CreateTopic("y", 1));
    }

    [Fact]
    public async Task Disposing_the_broker_under_connected_clients_is_safe_and_a_new_one_can_start()
    {
        var broker = LibrdkafkaMockCluster.Start(2);
        broker.CreateTopic("t", 2);
        var producer = new ProducerBuilder<Null, string>(KafkaClientDefaults.Producer(broker.BootstrapServers))
            .SetLogHandler((_, _) => { }).Build();
        var consumer = new ConsumerBuilder<Null, string>(KafkaClientDefaults.ConsumerForEmbedded(broker.BootstrapServers, "g"))
            .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        await producer.ProduceAsync("t", new Message<Null, string> { Value = "v" }).WaitAsync(KafkaTestClient.DefaultDeadline);
        consumer.Subscribe("t");
        Assert.Equal("v", KafkaTestClient.ConsumeExactly(consumer, 1)[0].Message.Value);

        broker.Dispose(); // clients still connected: they just see the brokers go down
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(200)));
        consumer.Dispose();
        producer.Dispose();

        using var next = LibrdkafkaMockCluster.Start();
        next.CreateTopic("t", 1);
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LibrdkafkaMockCluster.Start(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Broker.CreateTopic("z", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Broker.CreateTopic("z", 1, replicationFactor: 4));
        Assert.Throws<ArgumentException>(() => fixture.Broker.CreateTopic(" ", 1));
    }

    [Fact]
    public void Replicated_topics_are_supported_up_to_the_broker_count()
    {
        var topic = "replicated-" + Guid.NewGuid().ToString("N")[..8];
        fixture.Broker.CreateTopic(topic, 2, replicationFactor: 3);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, MetadataTimeout).Topics.Single();
        Assert.All(metadata.Partitions, p => Assert.Equal(3, p.Replicas.Length));
    }
}
