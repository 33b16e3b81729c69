using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Xunit.Abstractions;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;


namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// A pod is killed with SIGKILL at random points while it works (between a store write, its checkpoint, the
/// Kafka commit and the Redis write) and started again on the same state directory; new events keep arriving
/// meanwhile. Whatever the kill points, Redis must end with exactly the state the events imply: nothing lost,
/// nothing applied twice in a way that shows.
/// </summary>
[Trait("Kind", "ProcessKill")]
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-crash-").FullName;

    [Fact]
    public async Task Killing_the_pod_at_random_points_loses_nothing_and_applies_nothing_twice()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);

        using var broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
        var topologyFile = Path.Combine(_dir, "agent-state.yaml");
        File.Copy(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"), topologyFile);
        var spec = TopologyLoader.Load(topologyFile).Spec!;
        Assert.Empty(spec.State.Processors); // IndependentAgentState knows no processors
        await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, CancellationToken.None);

        var simulation = new AgentSimulation(agents: 150, seed: seed);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
        await Hosting.PodProcess.ProduceAsync(producer, spec, simulation, 1500);

        for (var round = 0; round < 3; round++)
        {
            using var pod = StartPod(topologyFile, broker.BootstrapServers, garnet.Endpoint);
            await WaitForReadyAsync(pod);
            // Work is in flight: kill somewhere inside it, while more events arrive.
            var produce = Hosting.PodProcess.ProduceAsync(producer, spec, simulation, 500);
            await Task.Delay(random.Next(100, 1500));
            pod.Kill(entireProcessTree: true);
            await pod.WaitForExitAsync();
            await produce;
            output.WriteLine($"round {round}: killed");
        }

        using var last = StartPod(topologyFile, broker.BootstrapServers, garnet.Endpoint);
        await WaitForReadyAsync(last);
        // The comparison below means something only if agents are expected to exist, some with every part.
        Assert.Contains(simulation.Agents, a => IndependentAgentState.For(a, spec) is { Count: 10 });
        var mismatches = await WaitForExpectedStateAsync(spec, simulation, redis);
        Assert.True(mismatches.Count == 0, $"seed {seed}: {mismatches.Count} agents differ, e.g. {string.Join("; ", mismatches.Take(3))}");

        // A graceful stop after the kills still exits cleanly.
        Signal(last.Id, "TERM");
        Assert.True(last.WaitForExit(30_000), "the pod did not stop within 30 s of SIGTERM");
        Assert.Equal(0, last.ExitCode);
    }

    private static async Task<List<string>> WaitForExpectedStateAsync(PipelineSpec spec, AgentSimulation simulation, StackExchange.Redis.IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        var until = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var mismatches = new List<string>();
            foreach (var agent in simulation.Agents)
            {
                var want = IndependentAgentState.For(agent, spec);
                var have = await RedisStateReader.ReadHashAsync(db, spec.State.KeyPattern.Replace("{key}", agent.Id, StringComparison.Ordinal));
                var same = want is null ? have is null : have is not null && want.Count == have.Count && want.All(kv => have.TryGetValue(kv.Key, out var v) && v == kv.Value);
                if (!same) mismatches.Add($"{agent.Id}: want {Render(want)}, have {Render(have)}");
            }
            if (mismatches.Count == 0 || DateTime.UtcNow > until) return mismatches;
            await Task.Delay(250);
        }
    }

    private static string Render(Dictionary<string, string>? hash) =>
        hash is null ? "none" : string.Join(",", hash.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));

    private Process StartPod(string topologyFile, string bootstrap, string redis)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "contactcenter.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _dir,
        };
        foreach (var arg in new[] { dll, "run", "--topology", topologyFile, "--bootstrap-servers", bootstrap, "--redis", redis,
                     "--store", "faster", "--state-dir", Path.Combine(_dir, "state"), "--create-topics", "false", "--http-port", "0" })
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

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {pid}");
        kill.WaitForExit();
    }


    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
