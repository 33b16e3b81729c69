using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using Xunit.Abstractions;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// Grouped counts under SIGKILL: a pod counting agents by tenant and status is killed at random points while events
/// arrive (redeliveries follow every restart) and started again; once Redis holds the state the events imply, the
/// count equals a recount of the agent hashes (HGETALL of each, grouped by tenant and status).
/// </summary>
[Trait("Kind", "ProcessKill")]
public sealed class CountCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-count-crash-").FullName;

    [Fact]
    public async Task Killing_the_pod_mid_traffic_leaves_counts_equal_to_a_recount_of_the_hashes()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);

        using var broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
        // The example's count without its time in state, so that the hashes compare with the simulation's truth.
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root(), "topologies", "examples", "agent-supervisors.yaml"));
        var timeInState = text.IndexOf("      - name: status-time", StringComparison.Ordinal);
        text = text.Remove(timeInState, text.IndexOf("    sinks: [agent-hash]", timeInState, StringComparison.Ordinal) - timeInState);
        var topologyFile = Path.Combine(_dir, "agent-counts.yaml");
        await File.WriteAllTextAsync(topologyFile, text);
        var spec = TopologyLoader.Load(topologyFile).Spec!;
        var count = Assert.Single(spec.State.Counts);
        Assert.Null(spec.State.TimeInStateField);
        await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, CancellationToken.None);

        var simulation = new AgentSimulation(agents: 150, seed: seed);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
        await Hosting.PodProcess.ProduceAsync(producer, spec, simulation, 1500);

        for (var round = 0; round < 3; round++)
        {
            using var pod = StartPod(topologyFile, broker.BootstrapServers, garnet.Endpoint);
            await WaitForReadyAsync(pod);
            var produce = Hosting.PodProcess.ProduceAsync(producer, spec, simulation, 500);
            await Task.Delay(random.Next(100, 1500));
            pod.Kill(entireProcessTree: true);
            await pod.WaitForExitAsync();
            await produce;
            output.WriteLine($"round {round}: killed");
        }

        using var last = StartPod(topologyFile, broker.BootstrapServers, garnet.Endpoint);
        await WaitForReadyAsync(last);
        var mismatches = await CrashRecoveryTests.WaitForExpectedStateAsync(spec, simulation, redis);
        Assert.True(mismatches.Count == 0, $"seed {seed}: {mismatches.Count} agents differ, e.g. {string.Join("; ", mismatches.Take(3))}");

        var db = redis.GetDatabase();
        var recount = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var agent in simulation.Agents)
        {
            var hash = (await db.HashGetAllAsync(spec.State.KeyPattern.Replace("{key}", agent.Id, StringComparison.Ordinal)))
                .ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
            if (hash.TryGetValue("tenant", out var tenant) && tenant.Length > 0 && hash.TryGetValue("status", out var status) && status.Length > 0)
                groups[tenant + "|" + status] = groups.GetValueOrDefault(tenant + "|" + status) + 1;
        }
        foreach (var (group, n) in groups) recount[group] = n.ToString(CultureInfo.InvariantCulture);
        var counted = new SortedDictionary<string, string>((await db.HashGetAllAsync(count.Key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!), StringComparer.Ordinal);
        Assert.NotEmpty(recount);
        Assert.Equal(recount, counted);
        last.Kill(entireProcessTree: true);
    }

    private Process StartPod(string topologyFile, string bootstrap, string redis)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "contactcenter.dll"), "run", "--topology", topologyFile, "--bootstrap-servers", bootstrap,
                     "--redis", redis, "--store", "faster", "--state-dir", Path.Combine(_dir, "state"), "--create-topics", "false", "--http-port", "0" })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the pod");
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line && !line.StartsWith('%')) output.WriteLine($"pod: {line}"); };
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForReadyAsync(Process pod)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await pod.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "ready") return;
        }
        throw new InvalidOperationException($"the pod exited before it was ready (exit code {(pod.HasExited ? pod.ExitCode : -1)})");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
