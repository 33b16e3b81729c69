using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContactCenter.Broker;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Streams;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Processor.Hosting;
using ContactCenter.Tests.Support;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// What <c>processing-guarantee: exactly-once</c> buys, shown by running one kill schedule under both guarantees.
/// </summary>
/// <remarks>
/// Plain random SIGKILLs do not tell the guarantees apart: the aggregate stage writes a record's changelog entry
/// (store put) before its output, and the merge is idempotent by version, so after a kill the store restored from the
/// changelog already holds what was emitted and replayed events are stale and emit nothing. An at-least-once stage
/// emits an aggregate twice only when it dies after its output was appended but before the changelog entry was, a
/// window of microseconds. The schedule here opens that window on purpose and kills inside it: on a two-broker cluster
/// the changelog's partitions are led by the other broker than the sources' and user-aggregate's; that broker is
/// stopped, events keep coming, and the pod is killed as soon as new aggregates are seen on user-aggregate (their
/// changelog writes are still held in the dead producer). Then the broker comes back and the pod restarts.
/// At-least-once: the restored store lacks those writes, the events are replayed (their offsets were never committed,
/// the commit waits for the held writes) and every one of those aggregates is emitted again, to every reader.
/// Exactly-once: the output, the changelog and the offsets were in one transaction, which the restart aborts, so a
/// read_committed reader sees each aggregate once while a read_uncommitted one sees the aborted copies too.
/// Each applied event makes a distinct aggregate (it carries every part's version), so duplicates are counted as
/// records with the same key and value.
/// </remarks>
[Trait("Kind", "ProcessKill")]
public sealed class ExactlyOnceCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 3;
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-eos-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Killing_an_exactly_once_aggregate_stage_never_shows_a_read_committed_reader_an_aggregate_twice()
    {
        var run = await RunKillScheduleAsync(exactlyOnce: true);
        Assert.True(run.Mismatches.Count == 0, $"seed {run.Seed}: {run.Mismatches.Count} agents differ in Redis, e.g. {string.Join("; ", run.Mismatches.Take(3))}");
        Assert.True(run.ReadCommitted.Count >= 1000, $"only {run.ReadCommitted.Count} aggregates read"); // the checks below mean something
        // The schedule did make the stage emit aggregates again after each kill: the aborted copies.
        Assert.True(run.RepeatedUncommitted > 0, $"seed {run.Seed}: the kills left no aborted aggregate behind, so this run proves nothing");
        // Nothing lost either: the simulation's events are all valid and each carries a new version of its part, so
        // each yields exactly one aggregate (aborted copies may differ: a replay can interleave the sources otherwise).
        Assert.True(run.ReadCommitted.Count == run.EventsProduced,
            $"seed {run.Seed}: {run.ReadCommitted.Count} committed aggregates for {run.EventsProduced} events");
        Assert.True(run.RepeatedCommitted.Count == 0,
            $"seed {run.Seed}: {run.RepeatedCommitted.Count} aggregate records seen more than once by a read_committed reader, e.g. {string.Join("; ", run.RepeatedCommitted.Take(2))}");
    }

    [Fact]
    public async Task Killing_an_at_least_once_aggregate_stage_on_the_same_schedule_shows_every_reader_aggregates_twice()
    {
        var run = await RunKillScheduleAsync(exactlyOnce: false);
        Assert.True(run.ReadCommitted.Count >= 1000, $"only {run.ReadCommitted.Count} aggregates read");
        // Without transactions read_committed reads everything, so both readers see the re-emitted aggregates.
        Assert.Equal(run.ReadUncommitted.Count, run.ReadCommitted.Count);
        Assert.True(run.RepeatedCommitted.Count >= Kills,
            $"seed {run.Seed}: only {run.RepeatedCommitted.Count} aggregate records seen twice; each of the {Kills} kills should re-emit some");
        // Duplicates, but nothing missing: a kill between the changelog write and the output's no longer leaves an
        // agent on an older aggregate in Redis (the redelivered record re-emits what the store holds).
        Assert.True(run.Mismatches.Count == 0, $"seed {run.Seed}: {run.Mismatches.Count} agents differ in Redis, e.g. {string.Join("; ", run.Mismatches.Take(3))}");
    }

    private sealed record KillRun(int Seed, List<(string Key, string? Value)> ReadCommitted, List<(string Key, string? Value)> ReadUncommitted,
        int RepeatedUncommitted, List<string> RepeatedCommitted, List<string> Mismatches, int EventsProduced);

    private async Task<KillRun> RunKillScheduleAsync(bool exactlyOnce)
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}, {(exactlyOnce ? "exactly-once" : "at-least-once")}");

        using var broker = KafkaBroker.Start(2);
        using var garnet = EmbeddedGarnet.Start();
        using var redis = await RedisConnector.ConnectAsync(garnet.Endpoint);
        var topologyFile = Path.Combine(_dir, "agent-state.yaml");
        var shipped = File.ReadAllText(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"));
        const string aggregateStageEnd = "    sinks: [user-aggregate, agent-aggregate-changelog]\n    dead-letter: dead-letter\n";
        Assert.Contains(aggregateStageEnd, shipped);
        var guarantee = exactlyOnce ? "exactly-once" : "at-least-once";
        File.WriteAllText(topologyFile, shipped.Replace(aggregateStageEnd, aggregateStageEnd + $"    processing-guarantee: {guarantee}\n", StringComparison.Ordinal));
        var spec = TopologyLoader.Load(topologyFile).Spec!;
        Assert.Equal(exactlyOnce ? ProcessingGuarantee.ExactlyOnce : ProcessingGuarantee.AtLeastOnce, spec.Aggregate.Guarantee);
        var changelog = AggregateTopologyBuilder.ChangelogTopic(spec.Aggregate);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        foreach (var (topic, partitions) in PipelineHost.RequiredTopics(spec).DistinctBy(t => t.Topic))
        {
            // user-aggregate is compacted in the shipped file; created here without compaction, so the readers below
            // find every aggregate the stage ever wrote, not only the latest per agent.
            var configs = topic == spec.Aggregate.OutputTopic ? new Dictionary<string, string>() : PipelineHost.TopicConfigs(spec, topic);
            await CreateLedFromAsync(broker, admin, topic, partitions, configs, firstLeader: topic == changelog ? 2 : 1);
        }
        // Partitions whose source and output leader is broker 1 and whose changelog leader is broker 2.
        var flowing = Leaders(admin, spec.Aggregate.OutputTopic).Where(p => p.Leader == 1).Select(p => p.Partition).ToList();
        Assert.NotEmpty(flowing);
        Assert.All(flowing, p => Assert.Equal(2, Leaders(admin, changelog).Single(l => l.Partition == p).Leader));

        var simulation = new AgentSimulation(agents: 150, seed: seed);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
        using var watermarks = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "watermarks" }).Build();
        await PodProcess.ProduceAsync(producer, spec, simulation, 1000);
        string[] args = ["--topology", topologyFile, "--bootstrap-servers", broker.BootstrapServers, "--redis", garnet.Endpoint,
            "--store", "faster", "--state-dir", Path.Combine(_dir, "state"), "--create-topics", "false"];

        for (var kill = 0; kill < Kills; kill++)
        {
            using var pod = PodProcess.Start(_dir, null, args);
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var before = Written(watermarks, spec.Aggregate.OutputTopic, flowing);
            await PodProcess.ProduceAsync(producer, spec, simulation, 300);
            await WaitForOutputAsync(watermarks, spec.Aggregate.OutputTopic, flowing, before + 1, pod, null); // the stage is at work
            // The changelog's leader goes away; events go on; kill once new aggregates are out whose changelog writes are not.
            await broker.StopBrokerAsync(2);
            var mark = Written(watermarks, spec.Aggregate.OutputTopic, flowing);
            var held = PodProcess.ProduceAsync(producer, spec, simulation, 300); // half of it waits for broker 2
            // Any new aggregate will do: once the held changelog writes block the stage's next commit (100 ms under
            // exactly-once, 1 s under at-least-once) it stops, so how many get out before that varies. The kill comes at
            // most 5 s into the outage: held records time out after transaction.timeout.ms (10 s) under exactly-once,
            // and the stage would stop on its own (see docs/pipeline.md).
            var seen = await WaitForOutputAsync(watermarks, spec.Aggregate.OutputTopic, flowing, mark + 1, pod, TimeSpan.FromSeconds(5));
            pod.Signal(9);
            Assert.True(await pod.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the killed pod did not exit");
            await broker.RestartBrokerAsync(2);
            await held;
            output.WriteLine($"kill {kill}: {Written(watermarks, spec.Aggregate.OutputTopic, flowing) - mark} aggregates written while the changelog leader was away"
                + (seen ? "" : " (killed after 5 s without new output)"));
        }

        List<string> mismatches;
        using (var last = PodProcess.Start(_dir, null, args))
        {
            await last.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            await WaitCaughtUpAsync(admin, watermarks, spec.Aggregate.ApplicationId, spec.Aggregate.Sources.Select(s => (s.Topic, s.Partitions)));
            if (exactlyOnce)
            {
                // The state stage reads read_committed: Redis exact means every event's aggregate was committed.
                mismatches = await CrashRecoveryTests.WaitForExpectedStateAsync(spec, simulation, redis);
            }
            else
            {
                // Without transactions the state stage's committed offsets reach the high watermarks (with them, the
                // last commit marker is never consumed, so this wait would not end).
                await WaitCaughtUpAsync(admin, watermarks, spec.State.GroupId, [(spec.Aggregate.OutputTopic, spec.Aggregate.OutputPartitions)]);
                mismatches = await MismatchesNowAsync(spec, simulation, redis);
            }
            output.WriteLine($"Redis: {mismatches.Count} agents differ once both stages caught up{string.Concat(mismatches.Take(2).Select(m => "\n  " + m))}");
            last.Signal(PodProcess.SigTerm);
            Assert.True(await last.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the pod did not stop within 30 s of SIGTERM");
        }

        var committed = Read(broker.BootstrapServers, spec.Aggregate.OutputTopic, spec.Aggregate.OutputPartitions, IsolationLevel.ReadCommitted);
        var all = Read(broker.BootstrapServers, spec.Aggregate.OutputTopic, spec.Aggregate.OutputPartitions, IsolationLevel.ReadUncommitted);
        var repeatedUncommitted = Repeated(all).Sum(g => g.Count - 1);
        var repeatedCommitted = Repeated(committed).Select(g => $"{g.Key} x{g.Count}: {g.Value}").ToList();
        output.WriteLine($"{1000 + Kills * 600} events; read_committed {committed.Count} records ({committed.ToHashSet().Count} distinct), "
            + $"{repeatedCommitted.Count} seen more than once; read_uncommitted {all.Count} ({all.ToHashSet().Count} distinct), {repeatedUncommitted} extra copies");
        Assert.True(all.Count >= committed.Count);
        return new KillRun(seed, committed, all, repeatedUncommitted, repeatedCommitted, mismatches, EventsProduced: 1000 + Kills * 600);
    }

    /// <summary>Waits until <paramref name="group"/> committed the end of every partition of <paramref name="topics"/>.</summary>
    private static async Task WaitCaughtUpAsync(IAdminClient admin, IConsumer<byte[], byte[]> watermarks, string group, IEnumerable<(string Topic, int Partitions)> topics)
    {
        var partitions = topics.SelectMany(t => Enumerable.Range(0, t.Partitions).Select(p => new TopicPartition(t.Topic, p))).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var committed = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, partitions)]))
                .Single().Partitions.ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
            var behind = partitions.Where(p => committed.GetValueOrDefault(p, -1) < watermarks.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value).ToList();
            if (behind.Count == 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"group {group} did not catch up on {string.Join(", ", behind)}");
            await Task.Delay(200);
        }
    }

    /// <summary>Agents whose Redis hash differs from the independent model now (no waiting).</summary>
    private static async Task<List<string>> MismatchesNowAsync(PipelineSpec spec, AgentSimulation simulation, StackExchange.Redis.IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        var mismatches = new List<string>();
        foreach (var agent in simulation.Agents)
        {
            var want = IndependentAgentState.For(agent, spec);
            var have = await RedisStateReader.ReadHashAsync(db, spec.State.KeyPattern.Replace("{key}", agent.Id, StringComparison.Ordinal));
            var same = want is null ? have is null : have is not null && want.Count == have.Count && want.All(kv => have.TryGetValue(kv.Key, out var v) && v == kv.Value);
            if (!same) mismatches.Add(agent.Id);
        }
        return mismatches;
    }

    /// <summary>Records with the same key and value (the same aggregate version) read more than once.</summary>
    private static IEnumerable<(string Key, string? Value, int Count)> Repeated(List<(string Key, string? Value)> records) =>
        records.Where(r => r.Value is not null).GroupBy(r => r).Where(g => g.Count() > 1).Select(g => (g.Key.Key, g.Key.Value, g.Count()));

    /// <summary>
    /// Creates <paramref name="topic"/> so that its partition 0 is led by broker <paramref name="firstLeader"/>. The
    /// broker spreads each new topic's leaders one broker further than the previous topic's, so a topic that came out
    /// the other way round is deleted and created again.
    /// </summary>
    private static async Task CreateLedFromAsync(KafkaBroker broker, IAdminClient admin, string topic, int partitions,
        IReadOnlyDictionary<string, string> configs, int firstLeader)
    {
        broker.CreateTopic(topic, partitions, configs);
        if (Leaders(admin, topic).Single(l => l.Partition == 0).Leader == firstLeader) return;
        await admin.DeleteTopicsAsync([topic]);
        broker.CreateTopic(topic, partitions, configs);
        Assert.Equal(firstLeader, Leaders(admin, topic).Single(l => l.Partition == 0).Leader);
    }

    private static List<(int Partition, int Leader)> Leaders(IAdminClient admin, string topic) =>
        admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => (p.PartitionId, p.Leader)).ToList();

    /// <summary>Records appended to <paramref name="partitions"/> of <paramref name="topic"/> (high watermarks: read_uncommitted).</summary>
    private static long Written(IConsumer<byte[], byte[]> client, string topic, IEnumerable<int> partitions) =>
        partitions.Sum(p => client.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);

    /// <remarks>120 s: after a kill under exactly-once the restarted stage first waits for the killed instance's open
    /// transaction to time out (10 s) before its read_committed restore passes it, and the machine is shared.</remarks>
    /// <returns>Whether the records came; false when <paramref name="limit"/> (if any) passed first. Without a limit,
    /// 120 s without them throws.</returns>
    private static async Task<bool> WaitForOutputAsync(IConsumer<byte[], byte[]> client, string topic, IReadOnlyList<int> partitions, long atLeast,
        PodProcess pod, TimeSpan? limit)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(120));
        long written;
        while ((written = Written(client, topic, partitions)) < atLeast)
        {
            if (DateTime.UtcNow > deadline)
            {
                if (limit is not null) return false;
                throw new TimeoutException($"{topic} partitions {string.Join(",", partitions)}: {written} records written, waited for {atLeast}\n{pod.Output}");
            }
            await Task.Delay(20);
        }
        return true;
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
