using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Processor.Hosting;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Tests.Processor.Feed;

/// <summary>
/// A real pod (<c>contactcenter run</c> as a process) on the embedded broker and an embedded Garnet, with the demo's
/// simulated traffic: what the feed tests drive. Redis is read directly (never through the feed) as the oracle.
/// </summary>
internal sealed class FeedPod : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-feed-").FullName;
    private readonly LibrdkafkaMockCluster _broker;
    private readonly EmbeddedGarnet _garnet;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly AgentSimulation _simulation;
    private readonly List<PodProcess> _others = [];

    private FeedPod(LibrdkafkaMockCluster broker, EmbeddedGarnet garnet, PipelineSpec spec, IConnectionMultiplexer redis, PodProcess pod, string url, int agents)
    {
        _broker = broker;
        _garnet = garnet;
        Spec = spec;
        Redis = redis;
        Process = pod;
        Url = url;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
        _simulation = new AgentSimulation(agents, seed: 15);
    }

    public PipelineSpec Spec { get; }

    public IConnectionMultiplexer Redis { get; }

    public PodProcess Process { get; }

    /// <summary>The pod's base URL (no trailing slash).</summary>
    public string Url { get; }

    /// <param name="topology">Topology file under topologies/ the pod runs.</param>
    public static async Task<FeedPod> StartAsync(int agents, string topology = "agent-state.yaml")
    {
        var broker = LibrdkafkaMockCluster.Start(1);
        var garnet = EmbeddedGarnet.Start();
        var spec = TopologyLoader.Load(Path.Combine(RepoPaths.Root(), "topologies", topology)).Spec!;
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);
        var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
        var dir = Directory.CreateTempSubdirectory("cc-feed-pod-").FullName;
        var pod = PodProcess.Start(dir, null, "--topology", Path.Combine(RepoPaths.Root(), "topologies", topology),
            "--bootstrap-servers", broker.BootstrapServers, "--redis", garnet.Endpoint, "--create-topics", "false", "--state-dir", Path.Combine(dir, "state"));
        try
        {
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException("the pod did not get ready:\n" + pod.Output);
        }
        return new FeedPod(broker, garnet, spec, redis, pod, await pod.UrlAsync(TimeSpan.FromSeconds(1)), agents);
    }

    /// <summary>Starts another pod on the same broker and Redis hosting only the state stage (it shares the stage's
    /// partitions with the first) and returns its base URL once it is ready.</summary>
    public async Task<string> StartAnotherStatePodAsync()
    {
        var dir = Directory.CreateTempSubdirectory("cc-feed-pod-").FullName;
        var pod = PodProcess.Start(dir, null, "--topology", Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"),
            "--bootstrap-servers", _broker.BootstrapServers, "--redis", _garnet.Endpoint, "--create-topics", "false", "--stages", "State",
            "--state-dir", Path.Combine(dir, "state"));
        _others.Add(pod);
        try
        {
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException("the second pod did not get ready:\n" + pod.Output);
        }
        return await pod.UrlAsync(TimeSpan.FromSeconds(1));
    }

    /// <summary>Produces <paramref name="count"/> simulated events to the source topics.</summary>
    public Task ProduceAsync(int count) => PodProcess.ProduceAsync(_producer, Spec, _simulation, count);

    /// <summary>Produces one agent event (topic of the <c>agent</c> source) for <paramref name="agentId"/>.</summary>
    public async Task ProduceAgentAsync(AgentEvent agent)
    {
        var topic = Spec.Aggregate.Sources.Single(s => s.Name == "agent").Topic;
        await _producer.ProduceAsync(topic, new Message<byte[]?, byte[]?>
        {
            Key = System.Text.Encoding.UTF8.GetBytes(agent.AgentId),
            Value = EventSerde.Serialize(agent),
            Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Updated) } },
        });
    }

    /// <summary>Waits until the state stage applied everything on its input topic (Redis progress = log end - 1 on every
    /// partition, the same on two reads a second apart so that the aggregate stage has nothing left in flight).</summary>
    public async Task SettleAsync(TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Consumer(_broker.BootstrapServers, "feed-test-watermarks")).Build();
        string? previous = null;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var offsets = await RedisStateReader.ReadOffsetsAsync(Redis.GetDatabase(), Spec.State.Name, RedisKeyspace.OffsetsPrefix);
            var ends = Enumerable.Range(0, Spec.State.InputPartitions)
                .Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(Spec.State.InputTopic, p), TimeSpan.FromSeconds(5)).High.Value).ToArray();
            var caughtUp = ends.Select((end, p) => end == 0 || offsets.GetValueOrDefault(p, -1) == end - 1).All(x => x);
            var now = string.Join(",", ends);
            if (caughtUp && now == previous) return;
            previous = caughtUp ? now : null;
            await Task.Delay(1000);
        }
        throw new TimeoutException("the state stage did not catch up with its input");
    }

    /// <summary>Every agent hash in Redis (fence fields left out), read directly.</summary>
    public async Task<Dictionary<string, Dictionary<string, string>>> RedisAgentsAsync()
    {
        var agents = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        await foreach (var key in RedisStateReader.ScanStateKeysAsync(Redis, Spec.State.KeyPattern.Replace("{key}", "*", StringComparison.Ordinal)))
        {
            if (await RedisStateReader.ReadHashAsync(Redis.GetDatabase(), key) is { } fields)
                agents[key] = fields;
        }
        return agents;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var other in _others)
        {
            if (!other.HasExited)
            {
                other.Signal(PodProcess.SigTerm);
                await other.WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            other.Dispose();
        }
        if (!Process.HasExited)
        {
            Process.Signal(PodProcess.SigTerm);
            await Process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
        Process.Dispose();
        _producer.Dispose();
        await Redis.DisposeAsync();
        _garnet.Dispose();
        _broker.Dispose();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
