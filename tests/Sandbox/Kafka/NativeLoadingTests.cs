using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using Xunit;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Sandbox.Kafka;

/// <summary>Our P/Invokes and Confluent.Kafka must end up in the same native librdkafka.</summary>
[Trait("Kind", "Integration")]
public class NativeLoadingTests
{
    [Fact]
    public void The_mock_and_confluent_clients_share_one_loaded_librdkafka()
    {
        using var broker = LibrdkafkaMockCluster.Start();
        using var producer = new ProducerBuilder<Null, string>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();

        Assert.NotNull(LibrdkafkaLocator.LoadedFrom);
        Assert.Contains(LibrdkafkaLocator.LoadedFrom, LibrdkafkaLocator.Candidates());
        // The mock API has no ABI guarantee: an upgrade must recheck Native/LibrdkafkaMockApi.cs against rdkafka_mock.h.
        Assert.True(LibrdkafkaMockCluster.NativeVersion == "2.16.0",
            $"librdkafka is now {LibrdkafkaMockCluster.NativeVersion}: recheck the mock P/Invoke signatures, then update this test");
        Assert.Equal(LibrdkafkaMockCluster.NativeVersion, Library.VersionString);

        if (!OperatingSystem.IsLinux()) return; // /proc/self/maps is Linux's view of what is loaded
        var mapped = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).Contains("librdkafka"))
            .Select(fields => fields[5])
            .Distinct()
            .ToList();
        Assert.Equal([LibrdkafkaLocator.LoadedFrom], mapped);
    }
}
