using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Processor.Hosting;
using ContactCenter.Tests.Stores.Redis;
using ContactCenter.Tests.Support;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using Xunit.Abstractions;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Tests.Processor.Operations;

/// <summary>
/// The provisioning scenario with SIGKILLs: the pipeline pod (merge, state and queue stages) and, separately, the
/// workers pod are killed at random points while agents are on-boarded and started again. Whatever the kill points,
/// every agent is provisioned exactly once at the service (it counts an agent accepted under a second operation id as
/// a duplicate), nothing is missing after <c>reconcile --execute</c>, and a second reconcile finds nothing to do.
/// </summary>
public abstract class ProvisioningCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Agents = 300;
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-provisioning-crash-").FullName;

    protected abstract Task<(string Endpoint, IAsyncDisposable Server)> StartRedisAsync();

    [Fact]
    public async Task Killing_the_pipeline_and_the_workers_provisions_every_agent_exactly_once()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
        var (endpoint, server) = await StartRedisAsync();
        await using var _ = server;
        using var redis = await RedisConnector.ConnectAsync(endpoint);
        await using var service = await ProvisioningService.StartAsync(new ProvisioningServiceOptions
        {
            Latency = TimeSpan.FromMilliseconds(50), FailureRate = 0.1, Seed = seed,
        });
        var topologyFile = Path.Combine(_dir, "provisioning.yaml");
        File.Copy(Path.Combine(RepoPaths.Root(), "topologies", "examples", "provisioning.yaml"), topologyFile);
        var spec = TopologyLoader.Load(topologyFile).Spec!;
        await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, CancellationToken.None);
        var queue = new RedisJobQueue(redis, spec.QueueStages.Single().QueueKey);

        var common = new Dictionary<string, string>
        {
            ["CC__Workers__ServiceBaseUrl"] = service.BaseUrl,
            // Jobs of a killed worker come back within seconds, not the production minute.
            ["CC__Workers__Queue__VisibilityTimeout"] = "00:00:03",
            ["CC__Workers__ReaperInterval"] = "00:00:00.500",
            ["CC__Workers__Concurrency"] = "16",
        };
        PodProcess StartPod(string stages, string name) => PodProcess.Start(_dir, new Dictionary<string, string>(common) { ["CC__Stages"] = stages },
            "--topology", topologyFile, "--bootstrap-servers", broker.BootstrapServers, "--redis", endpoint,
            "--state-dir", Path.Combine(_dir, name), "--create-topics", "false");

        var simulation = new AgentSimulation(Agents, seed);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
        var next = 0;
        async Task OnboardAsync(int count)
        {
            var topics = spec.Aggregate.Sources.ToDictionary(s => s.Name, s => s.Topic);
            for (var end = Math.Min(Agents, next + count); next < end; next++)
            {
                foreach (var ev in simulation.Onboard(next, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
                {
                    await producer.ProduceAsync(topics[ev.Source], new Message<byte[]?, byte[]?>
                    {
                        Key = System.Text.Encoding.UTF8.GetBytes(ev.Event.AgentId),
                        Value = EventSerde.Serialize(ev.Event),
                        Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(ev.Op) } },
                    });
                }
            }
        }

        var workers = StartPod("Workers", "workers-0");
        try
        {
            for (var round = 0; round < 4; round++)
            {
                using var pipeline = StartPod("Aggregate, State, Queue", "pipeline");
                await pipeline.WaitForReadyAsync(TimeSpan.FromSeconds(90));
                var onboarding = OnboardAsync(Agents / 4);
                await Task.Delay(random.Next(200, 2500));
                if (round % 2 == 1)
                {
                    // The workers die mid-call; the reaper of their successor takes their jobs back.
                    workers.Signal(9);
                    await workers.WaitForExitAsync(TimeSpan.FromSeconds(10));
                    workers.Dispose();
                    workers = StartPod("Workers", $"workers-{round}");
                }
                await Task.Delay(random.Next(100, 1500));
                pipeline.Signal(9);
                Assert.True(await pipeline.WaitForExitAsync(TimeSpan.FromSeconds(10)));
                await onboarding;
                output.WriteLine($"round {round}: killed the pipeline{(round % 2 == 1 ? " and the workers" : "")}; {service.Provisioned} provisioned");
            }
            await OnboardAsync(Agents);

            using var last = StartPod("Aggregate, State, Queue", "pipeline");
            await last.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            await WaitUntilAsync(async () => await queue.CountsAsync() is { } c && c.Jobs == Agents && c.Done + c.Dead == c.Jobs, TimeSpan.FromSeconds(120),
                () => $"queue {queue.CountsAsync().Result}, service {service.Provisioned}\n{last.Output}");

            // Someone deprovisioned two agents by hand downstream: reconcile finds them and the workers provision them again.
            Assert.True(service.Forget("agent-000007"));
            Assert.True(service.Forget("agent-000123"));
            var listing = service.BaseUrl + "/agents";
            var (dryCode, dry) = CliRunner.Run("reconcile", topologyFile, "--redis", endpoint, "--listing", listing, "--format", "json");
            output.WriteLine(dry);
            Assert.Equal(3, dryCode);
            Assert.Contains("\"missing\":[\"agent-000007\",\"agent-000123\"]", dry);
            var (code, executed) = CliRunner.Run("reconcile", topologyFile, "--redis", endpoint, "--listing", listing, "--execute", "--format", "json");
            output.WriteLine(executed);
            Assert.Equal(0, code);
            Assert.Contains("\"requeued\":2", executed);
            await WaitUntilAsync(() => Task.FromResult(service.Provisioned == Agents), TimeSpan.FromSeconds(60), () => $"service {service.Provisioned}");
            var (againCode, again) = CliRunner.Run("reconcile", topologyFile, "--redis", endpoint, "--listing", listing, "--execute", "--format", "json");
            Assert.Equal(0, againCode);
            Assert.Contains("\"missing\":[],\"extra\":[],\"requeued\":0", again);

            Assert.Equal(0, service.Duplicates);
            Assert.Equal(Agents, service.Provisioned);
            Assert.Equal(0, (await queue.CountsAsync()).Dead);
            last.Signal(PodProcess.SigTerm);
            Assert.True(await last.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            workers.Dispose();
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("not reached within " + timeout + ": " + describe());
            await Task.Delay(250);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}

[Trait("Kind", "ProcessKill")]
public sealed class ProvisioningCrashOnGarnetTests(ITestOutputHelper output) : ProvisioningCrashTests(output)
{
    protected override Task<(string, IAsyncDisposable)> StartRedisAsync()
    {
        var garnet = EmbeddedGarnet.Start();
        return Task.FromResult<(string, IAsyncDisposable)>((garnet.Endpoint, new Disposer(garnet)));
    }

    private sealed class Disposer(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return default;
        }
    }
}

[Trait("Kind", "ProcessKill")]
public sealed class ProvisioningCrashOnRedisTests(ITestOutputHelper output) : ProvisioningCrashTests(output)
{
    protected override async Task<(string, IAsyncDisposable)> StartRedisAsync()
    {
        var server = await RedisServerProcess.StartAsync();
        return (server.Endpoint, server);
    }
}
