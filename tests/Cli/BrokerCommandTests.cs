using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Xunit;
using ContactCenter.Cli;

namespace ContactCenter.Tests.Cli;

/// <summary>`contactcenter broker` run as a real child process, stopped with a real signal.</summary>
[Trait("Kind", "Integration")]
public partial class BrokerCommandTests
{
    private const int SigInt = 2;
    private const int SigTerm = 15;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [Theory]
    [InlineData(SigInt)]
    [InlineData(SigTerm)]
    public async Task Broker_verb_prints_and_writes_bootstrap_servers_and_exits_cleanly_on_signal(int signal)
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "POSIX signals are needed for this test");
        var bootstrapFile = Path.Combine(Path.GetTempPath(), $"cc-bootstrap-{Guid.NewGuid():N}.txt");
        using var process = StartBroker("--brokers", "2", "--bootstrap-file", bootstrapFile, "--topics", "cli-a:3,cli-b:1:2,cli-c:2:compact");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().WaitAsync(Deadline);
            Assert.NotNull(line);
            Assert.Matches(new Regex(@"^127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$"), line);
            Assert.Equal(line, (await File.ReadAllTextAsync(bootstrapFile)).Trim());

            // The cluster is really there, with the topics asked for.
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = line }).Build())
            {
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
                Assert.Equal(2, metadata.Brokers.Count);
                Assert.Equal(3, metadata.Topics.Single(t => t.Topic == "cli-a").Partitions.Count);
                Assert.All(metadata.Topics.Single(t => t.Topic == "cli-b").Partitions, p => Assert.Equal(2, p.Replicas.Length));
                var configs = await admin.DescribeConfigsAsync([new Confluent.Kafka.Admin.ConfigResource { Type = Confluent.Kafka.Admin.ResourceType.Topic, Name = "cli-c" }]);
                Assert.Equal("compact", configs.Single().Entries["cleanup.policy"].Value);
            }

            Assert.Equal(0, Kill(process.Id, signal));
            using var exit = new CancellationTokenSource(Deadline);
            await process.WaitForExitAsync(exit.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.False(File.Exists(bootstrapFile), "the bootstrap file is removed on shutdown");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            File.Delete(bootstrapFile);
        }
    }

    /// <summary>Stop signals keep coming while the verb stops (an impatient operator, a supervisor and a terminal).</summary>
    [Theory]
    [InlineData(2, 0)]
    [InlineData(5, 1)]
    [InlineData(40, 5)]
    public async Task Broker_verb_exits_0_on_any_number_of_stop_signals(int signals, int pauseMs)
    {
        using var process = StartBroker("--brokers", "3", "--topics", "many-signals:6");
        try
        {
            Assert.NotNull(await process.StandardOutput.ReadLineAsync().WaitAsync(Deadline));
            for (var i = 0; i < signals && !process.HasExited; i++)
            {
                Kill(process.Id, i % 2 == 0 ? SigTerm : SigInt);
                if (pauseMs > 0) await Task.Delay(pauseMs);
            }
            using var exit = new CancellationTokenSource(Deadline);
            await process.WaitForExitAsync(exit.Token);
            var errors = await process.StandardError.ReadToEndAsync();
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {errors}");
            Assert.DoesNotContain("Exception", errors);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Broker_verb_rejects_a_bad_topic_list()
    {
        using var process = StartBroker("--brokers", "1", "--topics", "only-a-name");
        using var exit = new CancellationTokenSource(Deadline);
        await process.WaitForExitAsync(exit.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("only-a-name", await process.StandardError.ReadToEndAsync());
    }

    // Runs the CLI the way a developer would: `dotnet contactcenter.dll broker ...` (the test output holds a copy).
    internal static Process StartBroker(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "contactcenter.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project must reference the Processor project");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("broker");
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI");
    }
}

/// <summary>The broker verb's <c>--topics</c> parser, without starting anything.</summary>
[Trait("Kind", "Unit")]
public class BrokerTopicListTests
{
    [Fact]
    public void Topic_list_parses_names_partitions_and_replication()
    {
        Assert.Empty(BrokerCommand.ParseTopics(null));
        Assert.Equal(
            [new("agent", 6, 1), new("user-aggregate", 6, 3)],
            BrokerCommand.ParseTopics(" agent:6 , user-aggregate:6:3 "));
        Assert.Throws<FormatException>(() => BrokerCommand.ParseTopics("agent"));
        Assert.Throws<FormatException>(() => BrokerCommand.ParseTopics("agent:0"));
        Assert.Throws<FormatException>(() => BrokerCommand.ParseTopics(":3"));
        Assert.Throws<FormatException>(() => BrokerCommand.ParseTopics("agent:3:x"));
        Assert.Equal(
            [new("agent-aggregate-changelog", 6, 1, Compact: true), new("c2", 3, 2, Compact: true)],
            BrokerCommand.ParseTopics("agent-aggregate-changelog:6:compact,c2:3:2:compact"));
        Assert.Throws<FormatException>(() => BrokerCommand.ParseTopics("agent:compact"));
        Assert.Throws<FormatException>(() => BrokerCommand.ParseTopics("agent:3:compact:2"));
    }
}
