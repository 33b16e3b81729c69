using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Tests.Broker;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// `contactcenter broker --port P --data-dir D --fsync always` killed with SIGKILL and started again: it comes back
/// on the same ports, a producer connected before the kill carries on by itself, and every record acknowledged
/// before the kill is there (fsync=always: each one was on disk before its acknowledgement).
/// </summary>
[Trait("Kind", "ProcessKill")]
public sealed class BrokerRestartProcessTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"cc-broker-kill-{Guid.NewGuid():N}");
    private readonly string _bootstrapFile = Path.Combine(Path.GetTempPath(), $"cc-broker-kill-{Guid.NewGuid():N}.txt");

    public void Dispose()
    {
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        File.Delete(_bootstrapFile);
    }

    private async Task<(Process Process, string Bootstrap)> StartAsync(int port)
    {
        var process = BrokerCommandTests.StartBroker("--brokers", "2", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data-dir", _dataDir, "--fsync", "always", "--topics", "kept:4", "--bootstrap-file", _bootstrapFile);
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Deadline);
        Assert.False(string.IsNullOrEmpty(line), "the broker printed no bootstrap line: " + (process.HasExited ? await process.StandardError.ReadToEndAsync() : ""));
        return (process, line!);
    }

    [Fact]
    public async Task Every_acknowledged_record_survives_a_kill_and_a_connected_producer_carries_on()
    {
        var port = FreePorts.Consecutive(2)[0];
        var (first, bootstrap) = await StartAsync(port);
        Assert.Equal($"127.0.0.1:{port},127.0.0.1:{port + 1}", bootstrap);
        using var producer = new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(bootstrap)).Build();
        var acknowledged = new List<string>();
        try
        {
            // Acknowledged one by one right up to the kill: with fsync=always each was on disk before its answer.
            for (var i = 0; i < 300; i++)
            {
                var result = await producer.ProduceAsync("kept", new Message<string, string> { Key = $"k{i % 13}", Value = $"before-{i}" }).WaitAsync(Deadline);
                Assert.Equal(PersistenceStatus.Persisted, result.Status);
                acknowledged.Add(result.Message.Value);
            }
        }
        finally
        {
            first.Kill(); // SIGKILL: no shutdown code runs
            await first.WaitForExitAsync().WaitAsync(Deadline);
            first.Dispose();
        }
        Assert.True(File.Exists(_bootstrapFile), "after a kill the file is left, naming the fixed ports the restart takes again");

        var (second, again) = await StartAsync(port);
        try
        {
            Assert.Equal(bootstrap, again);
            // The producer built before the kill reconnects by itself.
            for (var i = 0; i < 50; i++)
            {
                var result = await producer.ProduceAsync("kept", new Message<string, string> { Key = $"k{i % 13}", Value = $"after-{i}" }).WaitAsync(Deadline);
                acknowledged.Add(result.Message.Value);
            }

            var config = KafkaClientDefaults.ConsumerForEmbedded(bootstrap, $"check-{Guid.NewGuid():N}");
            using var consumer = new ConsumerBuilder<string, string>(config).Build();
            consumer.Subscribe("kept");
            var received = Processor.Kafka.KafkaTestClient.ConsumeExactly(consumer, acknowledged.Count).Select(r => r.Message.Value);
            Assert.Equal(acknowledged.Order(), received.Order());
            consumer.Close();
        }
        finally
        {
            second.Kill();
            await second.WaitForExitAsync().WaitAsync(Deadline);
            second.Dispose();
        }
    }

    [Fact]
    public async Task Port_and_fsync_flags_are_checked()
    {
        foreach (var args in new[]
        {
            new[] { "--brokers", "2", "--port", "9092,9093,9094" },
            ["--port", "99999"],
            ["--fsync", "always"],               // no --data-dir
            ["--broker", "mock", "--port", "9092"],
        })
        {
            using var process = BrokerCommandTests.StartBroker(args);
            await process.WaitForExitAsync().WaitAsync(Deadline);
            Assert.Equal(2, process.ExitCode);
            Assert.Contains("--", await process.StandardError.ReadToEndAsync());
        }
    }
}

/// <summary>The broker verb's <c>--port</c> parser.</summary>
[Trait("Kind", "Unit")]
public sealed class BrokerPortListTests
{
    [Fact]
    public void One_port_spreads_over_the_brokers_and_a_list_gives_one_each()
    {
        Assert.Null(ContactCenter.Cli.BrokerCommand.ParsePorts(null, 3));
        Assert.Equal([9092, 9093, 9094], ContactCenter.Cli.BrokerCommand.ParsePorts("9092", 3));
        Assert.Equal([9100, 9200], ContactCenter.Cli.BrokerCommand.ParsePorts("9100, 9200", 2));
        Assert.Throws<FormatException>(() => ContactCenter.Cli.BrokerCommand.ParsePorts("9100,9200", 3));
        Assert.Throws<FormatException>(() => ContactCenter.Cli.BrokerCommand.ParsePorts("9100,9100", 2));
        Assert.Throws<FormatException>(() => ContactCenter.Cli.BrokerCommand.ParsePorts("65535", 2));
        Assert.Throws<FormatException>(() => ContactCenter.Cli.BrokerCommand.ParsePorts("port", 1));
    }
}
