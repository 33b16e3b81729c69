using Confluent.Kafka;
using ContactCenter.Broker;
using ContactCenter.Broker.Security;
using ContactCenter.Processor.Kafka;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// A whole broker process restarted on fixed ports with its data directory (KafkaBrokerOptions.Listeners): clients
/// built from the engine's own settings (KafkaClientDefaults), connected before the restart, reconnect by themselves
/// and carry on with nothing lost and nothing written twice.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class BrokerRestartTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"cc-restart-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void Fixed_ports_refuse_a_port_in_use_and_a_wrong_listener_count()
    {
        var ports = FreePorts.Consecutive(1);
        using var first = KafkaBroker.Start(1, new KafkaBrokerOptions { Listeners = [new BrokerListenerOptions(ports[0])] });
        Assert.Equal($"127.0.0.1:{ports[0]}", first.BootstrapServers);
        var taken = Assert.Throws<InvalidOperationException>(() => KafkaBroker.Start(1, new KafkaBrokerOptions { Listeners = [new BrokerListenerOptions(ports[0])] }));
        Assert.Contains(ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture), taken.Message);
        Assert.Throws<ArgumentException>(() => KafkaBroker.Start(2, new KafkaBrokerOptions { Listeners = [new BrokerListenerOptions()] }));
    }

    [Fact]
    public async Task Clients_connected_before_a_restart_on_the_same_ports_carry_on_with_nothing_lost()
    {
        const int Total = 400;
        var ports = FreePorts.Consecutive(2);
        var options = new KafkaBrokerOptions
        {
            DataDirectory = _dataDir,
            Listeners = [.. ports.Select(p => new BrokerListenerOptions(p))],
        };
        var broker = KafkaBroker.Start(2, options);
        var bootstrap = broker.BootstrapServers;
        broker.CreateTopic("restart", 3);

        using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(bootstrap)).Build();
        var consumerConfig = KafkaClientDefaults.Consumer(bootstrap, "restart-group");
        using var consumer = new ConsumerBuilder<string, string>(consumerConfig).Build();
        consumer.Subscribe("restart");
        var seen = new HashSet<string>();
        using var stopConsuming = new CancellationTokenSource();
        var consuming = Task.Run(() =>
        {
            while (!stopConsuming.IsCancellationRequested && seen.Count < Total)
            {
                ConsumeResult<string, string>? result;
                try { result = consumer.Consume(TimeSpan.FromMilliseconds(100)); }
                catch (ConsumeException) { continue; } // transport errors while the broker is away: the client retries
                if (result?.Message is null) continue;
                seen.Add(result.Message.Value);
                try { consumer.Commit(result); } catch (KafkaException) { /* committed again after the restart */ }
            }
        });

        var deliveries = new List<Task<DeliveryResult<string, string>>>();
        for (var i = 0; i < Total / 2; i++)
            deliveries.Add(producer.ProduceAsync("restart", new Message<string, string> { Key = $"k{i % 17}", Value = $"v{i}" }));
        await Task.WhenAll(deliveries).WaitAsync(TimeSpan.FromSeconds(30));

        // The broker process "restarts": everything closed, started again on the same ports from the same directory.
        await broker.DisposeAsync();
        for (var i = Total / 2; i < Total; i++) // sent while it is down: held and retried by the client
            deliveries.Add(producer.ProduceAsync("restart", new Message<string, string> { Key = $"k{i % 17}", Value = $"v{i}" }));
        await Task.Delay(500);
        broker = KafkaBroker.Start(2, options);
        try
        {
            Assert.Equal(bootstrap, broker.BootstrapServers);
            var results = await Task.WhenAll(deliveries).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));

            await consuming.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(Enumerable.Range(0, Total).Select(i => $"v{i}").Order(), seen.Order());
            // Idempotence across the restart: each record is in the log once.
            Assert.Equal(Total, broker.Cluster.Topic("restart")!.Partitions.Sum(p => p.HighWatermark));
        }
        finally
        {
            stopConsuming.Cancel();
            consumer.Close();
            await broker.DisposeAsync();
        }
    }
}
