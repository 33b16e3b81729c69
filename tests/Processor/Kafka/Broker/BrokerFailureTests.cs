using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Kafka.Broker;

namespace ContactCenter.Tests.Processor.Kafka.Broker;

/// <summary>Failure injection on the native broker: connections dropped under load must lose and duplicate nothing.</summary>
[Trait("Kind", "Integration")]
public sealed class BrokerFailureTests : IDisposable
{
    private readonly KafkaProtocolBroker _broker = KafkaProtocolBroker.Start(3);

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

    public void Dispose() => _broker.Dispose();
}
