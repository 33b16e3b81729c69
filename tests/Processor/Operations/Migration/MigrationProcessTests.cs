using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Processor.Hosting;
using ContactCenter.Tests.Stores.Redis;
using ContactCenter.Tests.Support;
using ContactCenter.Topology.Files;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Operations.Migration;

/// <summary>
/// 6 -> 12 partitions under traffic with real processes: <c>contactcenter migrate --execute</c> and a pod of the new
/// topology (<c>contactcenter run</c>) are each killed with SIGKILL once mid-way and started again; the old stages run in
/// the test, producers switch topics after the cut-over, and a reader samples every agent all along. It ends with the
/// migration done (exit 0), Redis exact, and no read that found an agent gone or a part of it go back.
/// </summary>
[Trait("Kind", "ProcessKill")]
public sealed class MigrationProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int SigKill = 9;
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-migrate-process-").FullName;

    [Fact]
    public async Task Six_to_twelve_partitions_survive_a_killed_migrate_and_a_killed_pod_and_end_exact_with_no_reader_regression_or_miss()
    {
        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        await using var redisServer = await RedisServerProcess.StartAsync();
        using var redis = await RedisConnector.ConnectAsync(redisServer.Endpoint);
        var oldFile = Repo.AgentState;
        var newFile = Repo.File("topologies/agent-state-p12.yaml");
        var old = TopologyLoader.Load(oldFile).Spec!;
        var @new = TopologyLoader.Load(newFile).Spec!;
        await using var oldPipeline = new PipelineHost(old, NullLoggerFactory.Instance);
        await oldPipeline.StartAsync(new KafkaClientSettings(broker.BootstrapServers), broker.Provisioner, redis,
            AggregateStores.Create(StoreKind.Faster, old.Aggregate.StoreName, AggregateStoreOptions.For(Path.Combine(_dir, "old"))), Path.Combine(_dir, "old"), CancellationToken.None);

        var simulation = new AgentSimulation(300, 7);
        var history = new StateHistory(old);
        var reader = new ReaderSampler(redis, simulation.Agents.Select(a => (a.Id, old.State.KeyPattern.Replace("{key}", a.Id, StringComparison.Ordinal))).ToList(), history);
        using var stop = new CancellationTokenSource();
        var reading = reader.RunAsync(stop.Token);
        var topics = old.Aggregate.Sources.ToDictionary(s => s.Name, s => (s.Topic, s.OpHeader));
        var traffic = Task.Run(() => Produce(broker.BootstrapServers, simulation, history, topics, stop.Token));

        string[] migrateArgs = ["migrate", oldFile, newFile, "--execute", "--bootstrap-servers", broker.BootstrapServers, "--redis", redisServer.Endpoint,
            "--drain-idle", "3s", "--max-lag", "1000"];
        string[] podArgs(string state) => ["--topology", newFile, "--bootstrap-servers", broker.BootstrapServers, "--redis", redisServer.Endpoint,
            "--state-dir", Path.Combine(_dir, state)];
        await Task.Delay(TimeSpan.FromSeconds(4));
        var migrate = PodProcess.StartCli(_dir, migrateArgs);
        PodProcess? pod = null;
        try
        {
            await WaitForLineAsync(migrate, "shadowing:", TimeSpan.FromSeconds(60));
            pod = PodProcess.Start(_dir, null, podArgs("pod-1"));
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));

            await Task.Delay(TimeSpan.FromSeconds(1));
            migrate.Signal(SigKill);
            await migrate.WaitForExitAsync(TimeSpan.FromSeconds(10));
            output.WriteLine("migrate killed: " + string.Join(" | ", migrate.Stdout));
            migrate.Dispose();
            migrate = PodProcess.StartCli(_dir, migrateArgs);

            pod.Signal(SigKill);
            await pod.WaitForExitAsync(TimeSpan.FromSeconds(10));
            pod.Dispose();
            pod = PodProcess.Start(_dir, null, podArgs("pod-2"));
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));

            await WaitForLineAsync(migrate, "cut over:", TimeSpan.FromSeconds(120));
            foreach (var source in @new.Aggregate.Sources)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                lock (topics) topics[source.Name] = (source.Topic, source.OpHeader);
            }
            await Task.Delay(TimeSpan.FromSeconds(3));
            await stop.CancelAsync();
            await traffic;
            Assert.True(await migrate.WaitForExitAsync(TimeSpan.FromSeconds(120)), migrate.Output);
            Assert.True(migrate.ExitCode == 0, migrate.Output);
            Assert.Contains(migrate.Stdout, l => l.Contains("done", StringComparison.Ordinal));

            var expected = simulation.Agents.ToDictionary(a => a.Id, a => ExpectedState.For(a, @new));
            var clock = Stopwatch.StartNew();
            var (mismatches, samples) = await ExpectedState.CompareAsync(@new, expected, redis);
            while (mismatches > 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(500);
                (mismatches, samples) = await ExpectedState.CompareAsync(@new, expected, redis);
            }
            try { await reading; } catch (OperationCanceledException) { }
            var read = reader.Summary;
            output.WriteLine($"reads {read.Reads}, sweeps {read.Sweeps}, regressions {read.Regressions}, missing {read.Missing}");
            Assert.True(mismatches == 0, string.Join("\n", samples));
            Assert.True(read.Sweeps > 10, "the reader sampled all along");
            Assert.True(read.Missing == 0, string.Join("\n", read.Samples));
            Assert.True(read.Regressions == 0, string.Join("\n", read.Samples));
        }
        finally
        {
            await stop.CancelAsync();
            if (!migrate.HasExited) migrate.Signal(SigKill);
            migrate.Dispose();
            if (pod is { HasExited: false }) pod.Signal(SigKill);
            pod?.Dispose();
        }
    }

    private static async Task WaitForLineAsync(PodProcess process, string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!process.Stdout.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(!process.HasExited && clock.Elapsed < timeout, $"no '{text}' line: {process.Output}");
            await Task.Delay(100);
        }
    }

    private static void Produce(string bootstrap, AgentSimulation simulation, StateHistory history, Dictionary<string, (string Topic, string OpHeader)> topics, CancellationToken ct)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(bootstrap)).Build();
        long last = 0;
        while (!ct.IsCancellationRequested)
        {
            for (var i = 0; i < 5; i++)
            {
                var now = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), last + 1);
                last = now;
                var ev = simulation.Next(now);
                history.Record(ev);
                (string Topic, string OpHeader) target;
                lock (topics) target = topics[ev.Source];
                producer.Produce(target.Topic, ExpectedState.ToMessage(ev, target.OpHeader));
            }
            Thread.Sleep(10);
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
