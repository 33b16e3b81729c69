using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Broker;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// Failure injection on the native broker: connections dropped, brokers stopped and restarted, responses delayed.
/// Clients must lose and duplicate nothing, and see the cluster as they would see a real one.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class BrokerFailureTests : IDisposable
{
    private readonly KafkaBroker _broker = KafkaBroker.Start(3);

    [Fact]
    public async Task Dropped_connections_lose_and_duplicate_nothing_with_an_idempotent_producer()
    {
        const int Count = 3000;
        _broker.CreateTopic("drops", 6);
        var group = $"g-{Guid.NewGuid():N}"[..12];
        using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
        using var consumer = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, group)).Build();
        consumer.Subscribe("drops");

        var deliveries = new List<Task<DeliveryResult<string, string>>>();
        for (var i = 0; i < Count; i++)
        {
            deliveries.Add(producer.ProduceAsync("drops", new Message<string, string> { Key = $"k{i % 50}", Value = i.ToString() }));
            if (i % 500 == 250)
            {
                _broker.DropConnections();
                await Task.Delay(20);
            }
        }
        await Task.WhenAll(deliveries).WaitAsync(TimeSpan.FromSeconds(60));

        var seen = new HashSet<int>();
        var duplicates = 0;
        var until = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < Count && DateTime.UtcNow < until)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } r && !seen.Add(int.Parse(r.Message.Value)))
                duplicates++;
            if (seen.Count == Count / 2) _broker.DropConnections();
        }
        Assert.Equal(Count, seen.Count);
        Assert.Equal(0, duplicates);
        // The log holds every record exactly once: the high watermarks add up to the count.
        Assert.Equal(Count, _broker.Cluster.Topic("drops")!.Partitions.Sum(p => p.HighWatermark));
        consumer.Close();
    }

    [Fact]
    public async Task A_stopped_broker_hands_its_replicated_partitions_over_and_takes_them_back_on_restart()
    {
        const int Count = 2000;
        _broker.CreateTopic("failover", 6, replicationFactor: 3);
        using var admin = new AdminClientBuilder(KafkaClientDefaults.Admin(_broker.BootstrapServers)).Build();
        var ledByTwo = Leaders(admin, "failover").Where(p => p.Value == 2).Select(p => p.Key).ToList();
        Assert.NotEmpty(ledByTwo);

        using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
        var deliveries = new List<Task<DeliveryResult<string, string>>>();
        for (var i = 0; i < Count; i++)
        {
            deliveries.Add(producer.ProduceAsync("failover", new Message<string, string> { Key = $"k{i % 60}", Value = i.ToString() }));
            if (i == Count / 2) await _broker.StopBrokerAsync(2);
        }
        await Task.WhenAll(deliveries).WaitAsync(TimeSpan.FromSeconds(60));

        // While broker 2 is down: it is not in the metadata and leads nothing; its partitions went to live replicas.
        var metadata = admin.GetMetadata("failover", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(metadata.Brokers, b => b.BrokerId == 2);
        Assert.All(metadata.Topics[0].Partitions, p => Assert.NotEqual(2, p.Leader));
        Assert.All(metadata.Topics[0].Partitions, p => Assert.DoesNotContain(2, p.InSyncReplicas));

        // Every record once, in produce order per key, read through the surviving brokers.
        var lastPerKey = new Dictionary<string, int>();
        var seen = new HashSet<int>();
        using (var consumer = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, "failover-g")).Build())
        {
            consumer.Subscribe("failover");
            var until = DateTime.UtcNow.AddSeconds(60);
            while (seen.Count < Count && DateTime.UtcNow < until)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is not { IsPartitionEOF: false } r) continue;
                var value = int.Parse(r.Message.Value);
                Assert.True(seen.Add(value), $"record {value} read twice");
                Assert.True(value > lastPerKey.GetValueOrDefault(r.Message.Key, -1), $"key {r.Message.Key} out of order at {value}");
                lastPerKey[r.Message.Key] = value;
            }
            consumer.Close();
        }
        Assert.Equal(Count, seen.Count);

        await _broker.RestartBrokerAsync(2);
        var back = Leaders(admin, "failover");
        Assert.All(ledByTwo, p => Assert.Equal(2, back[p]));
        var after = await producer.ProduceAsync(new TopicPartition("failover", ledByTwo[0]), new Message<string, string> { Key = "k", Value = "after" });
        Assert.Equal(PersistenceStatus.Persisted, after.Status);
    }

    [Fact]
    public async Task An_unreplicated_partition_has_no_leader_while_its_broker_is_down_and_nothing_sent_to_it_is_lost()
    {
        _broker.CreateTopic("single", 3);
        using var admin = new AdminClientBuilder(KafkaClientDefaults.Admin(_broker.BootstrapServers)).Build();
        var partition = Leaders(admin, "single").First(p => p.Value == 3).Key;
        using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
        await producer.ProduceAsync(new TopicPartition("single", partition), new Message<string, string> { Key = "a", Value = "before" });

        await _broker.StopBrokerAsync(3);
        var down = admin.GetMetadata("single", TimeSpan.FromSeconds(10)).Topics[0].Partitions.Single(p => p.PartitionId == partition);
        Assert.Equal(-1, down.Leader);
        Assert.Equal(ErrorCode.LeaderNotAvailable, down.Error.Code);
        var pending = producer.ProduceAsync(new TopicPartition("single", partition), new Message<string, string> { Key = "a", Value = "during" });

        await _broker.RestartBrokerAsync(3);
        var delivered = await pending.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, delivered.Offset.Value);
        Assert.Equal(3, Leaders(admin, "single")[partition]);
    }

    [Fact]
    public async Task Delayed_responses_slow_the_client_down_and_lose_nothing()
    {
        _broker.CreateTopic("slow", 1);
        using var admin = new AdminClientBuilder(KafkaClientDefaults.Admin(_broker.BootstrapServers)).Build();
        var leader = Leaders(admin, "slow")[0];
        using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
        await producer.ProduceAsync("slow", new Message<string, string> { Key = "a", Value = "warm" });

        _broker.DelayResponses(leader, TimeSpan.FromMilliseconds(300));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var slow = await producer.ProduceAsync("slow", new Message<string, string> { Key = "a", Value = "slow" });
        // Timers may fire a tick early; without the delay the acknowledgement takes about a millisecond.
        Assert.True(clock.ElapsedMilliseconds >= 280, $"acknowledged after {clock.ElapsedMilliseconds} ms despite a 300 ms delay");
        _broker.DelayResponses(leader, TimeSpan.Zero);
        Assert.Equal(1, slow.Offset.Value);
        Assert.Equal(2, _broker.Cluster.Partition("slow", 0)!.HighWatermark);
    }

    private static Dictionary<int, int> Leaders(IAdminClient admin, string topic)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics[0].Partitions;
            if (partitions.Count > 0 || DateTime.UtcNow > until) return partitions.ToDictionary(p => p.PartitionId, p => p.Leader);
        }
    }

    public void Dispose() => _broker.Dispose();
}
