using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Processor.Hosting;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// <c>processing-guarantee: exactly-once</c> on the aggregate stage: the pod is killed with SIGKILL at random points
/// while it works, on the native broker, and started again. An independent read_committed consumer of user-aggregate
/// must then see every aggregate version (the aggregate carries each part's version, so every applied event makes a
/// distinct one) exactly once, and Redis must end exact. A read_uncommitted reader shows what the kills left behind
/// (aborted transactions whose aggregates were emitted again after the restart).
/// </summary>
[Trait("Kind", "ProcessKill")]
public sealed class ExactlyOnceCrashTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-eos-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Killing_an_exactly_once_aggregate_stage_never_shows_a_read_committed_reader_an_aggregate_twice()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);

        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
        var topologyFile = Path.Combine(_dir, "agent-state.yaml");
        var shipped = File.ReadAllText(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"));
        const string aggregateStageEnd = "    sinks: [user-aggregate, agent-aggregate-changelog]\n    dead-letter: dead-letter\n";
        Assert.Contains(aggregateStageEnd, shipped);
        File.WriteAllText(topologyFile, shipped.Replace(aggregateStageEnd, aggregateStageEnd + "    processing-guarantee: exactly-once\n", StringComparison.Ordinal));
        var spec = TopologyLoader.Load(topologyFile).Spec!;
        Assert.Equal(ProcessingGuarantee.ExactlyOnce, spec.Aggregate.Guarantee);
        Assert.True(spec.State.ReadCommitted);
        // user-aggregate is compacted in the shipped file; created here without compaction first, so the reader below
        // finds every version the stage ever committed, not only the latest per agent.
        broker.CreateTopic(spec.Aggregate.OutputTopic, spec.Aggregate.OutputPartitions);
        await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, CancellationToken.None);

        var simulation = new AgentSimulation(agents: 150, seed: seed);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
        await PodProcess.ProduceAsync(producer, spec, simulation, 1500);
        string[] args = ["--topology", topologyFile, "--bootstrap-servers", broker.BootstrapServers, "--redis", garnet.Endpoint,
            "--store", "faster", "--state-dir", Path.Combine(_dir, "state"), "--create-topics", "false"];

        for (var round = 0; round < 3; round++)
        {
            using var pod = PodProcess.Start(_dir, null, args);
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var produce = PodProcess.ProduceAsync(producer, spec, simulation, 500);
            await Task.Delay(random.Next(100, 1500));
            pod.Signal(9);
            Assert.True(await pod.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the killed pod did not exit");
            await produce;
            output.WriteLine($"round {round}: killed");
        }

        using (var last = PodProcess.Start(_dir, null, args))
        {
            await last.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            // The state stage reads user-aggregate read_committed: Redis exact means every event's aggregate was committed.
            var mismatches = await CrashRecoveryTests.WaitForExpectedStateAsync(spec, simulation, redis);
            Assert.True(mismatches.Count == 0, $"seed {seed}: {mismatches.Count} agents differ, e.g. {string.Join("; ", mismatches.Take(3))}\n{last.Output}");
            last.Signal(PodProcess.SigTerm);
            Assert.True(await last.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the pod did not stop within 30 s of SIGTERM");
        }

        var seen = Read(broker.BootstrapServers, spec.Aggregate.OutputTopic, spec.Aggregate.OutputPartitions, IsolationLevel.ReadCommitted);
        // What the kills left behind: aborted transactions whose aggregates were emitted again after the restart.
        var all = Read(broker.BootstrapServers, spec.Aggregate.OutputTopic, spec.Aggregate.OutputPartitions, IsolationLevel.ReadUncommitted);
        var repeatedUncommitted = all.Where(r => r.Value is not null).GroupBy(r => (r.Key, r.Value)).Count(g => g.Count() > 1);
        output.WriteLine($"read_committed {seen.Count} records; read_uncommitted {all.Count}, {repeatedUncommitted} versions more than once");
        Assert.True(all.Count >= seen.Count);
        Assert.True(seen.Count >= 1000, $"only {seen.Count} aggregates read"); // the check below means something
        var twice = seen.Where(r => r.Value is not null).GroupBy(r => (r.Key, r.Value)).Where(g => g.Count() > 1).ToList();
        Assert.True(twice.Count == 0,
            $"seed {seed}: {twice.Count} aggregate versions seen more than once by a read_committed reader, e.g. {string.Join("; ", twice.Take(2).Select(g => $"{g.Key.Key} x{g.Count()}: {g.Key.Value}"))}");
    }

    /// <summary>
    /// Every record of <paramref name="topic"/> a consumer at <paramref name="isolation"/> gets: a plain "end" record
    /// goes to each partition first and reading stops when one per partition arrived, i.e. exactly after everything
    /// before them (for read_committed: after every transaction before them was decided).
    /// </summary>
    private static List<(string Key, string? Value)> Read(string bootstrap, string topic, int partitions, IsolationLevel isolation)
    {
        const string End = "\u0000end";
        using (var plain = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build())
        {
            for (var p = 0; p < partitions; p++) plain.Produce(new TopicPartition(topic, p), new Message<string, string> { Key = End, Value = End });
            plain.Flush(TimeSpan.FromSeconds(10));
        }
        using var consumer = new ConsumerBuilder<string, string?>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = $"independent-{Guid.NewGuid():N}",
            IsolationLevel = isolation,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var records = new List<(string, string?)>();
        var ended = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (ended.Count < partitions)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"read {records.Count} records and {ended.Count} of {partitions} end marks");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is not { } message) continue;
            if (message.Key == End) ended.Add(result.Partition.Value); // the first end mark of a partition ends it
            else if (!ended.Contains(result.Partition.Value)) records.Add((message.Key, message.Value));
        }
        return records;
    }
}
