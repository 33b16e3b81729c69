using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Broker;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// What the engine relies on from a Kafka-protocol broker, run against both embedded brokers: the native one
/// (<see cref="KafkaBroker"/>) and librdkafka's mock. Native-only behaviour is tested in the native subclass.
/// </summary>
public abstract class BrokerConformanceTests(GarnetBackend garnet) : IDisposable
{
    protected GarnetBackend Garnet => garnet;

    protected abstract string BootstrapServers { get; }
    internal abstract ITopicProvisioner Provisioner { get; }
    protected abstract void CreateTopic(string name, int partitions);
    /// <summary>The stages' fetch wait on this broker (the mock holds a waiting fetch even when data arrives).</summary>
    protected virtual int StageFetchWaitMaxMs => KafkaClientDefaults.StageFetchWaitMaxMs;

    protected string NewTopic(int partitions)
    {
        var name = $"conf-{Guid.NewGuid():N}"[..16];
        CreateTopic(name, partitions);
        return name;
    }

    protected static string NewGroup() => $"g-{Guid.NewGuid():N}"[..14];

    protected IProducer<string, string> Producer() =>
        new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(BootstrapServers)).Build();

    protected IConsumer<string, string> Consumer(string group) =>
        new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(BootstrapServers, group)).Build();

    [Fact]
    public async Task Idempotent_producer_round_trip_keeps_keys_values_headers_and_order()
    {
        var topic = NewTopic(3);
        using var producer = Producer();
        var sent = Enumerable.Range(0, 60).Select(i => new Message<string, string>
        {
            Key = $"agent-{i % 7}",
            Value = $"payload-{i}",
            Headers = new Headers { { "cc-op", Encoding.UTF8.GetBytes(i % 2 == 0 ? "CREATED" : "UPDATED") }, { "seq", BitConverter.GetBytes(i) } },
        }).ToList();
        var delivered = await KafkaTestClient.ProduceAllAsync(producer, topic, sent);
        Assert.All(delivered, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));

        using var consumer = Consumer(NewGroup());
        consumer.Subscribe(topic);
        var received = KafkaTestClient.ConsumeExactly(consumer, sent.Count);
        var bySeq = received.ToDictionary(r => BitConverter.ToInt32(r.Message.Headers.GetLastBytes("seq")));
        Assert.Equal(sent.Count, bySeq.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i].Key, bySeq[i].Message.Key);
            Assert.Equal(sent[i].Value, bySeq[i].Message.Value);
            Assert.Equal(delivered[i].Offset, bySeq[i].Offset);
        }
        // Per key (one partition each), records arrive in the order they were produced.
        foreach (var key in received.GroupBy(r => r.Message.Key))
        {
            var seqs = key.Select(r => BitConverter.ToInt32(r.Message.Headers.GetLastBytes("seq"))).ToList();
            Assert.Equal(seqs.Order(), seqs);
        }
        consumer.Close();
    }

    [Fact]
    public void Two_members_share_the_partitions_after_a_cooperative_rebalance()
    {
        var topic = NewTopic(4);
        var group = NewGroup();
        using var a = Consumer(group);
        a.Subscribe(topic);
        PollUntil(() => a.Assignment.Count == 4, a);

        using var b = Consumer(group);
        b.Subscribe(topic);
        PollUntil(() => a.Assignment.Count == 2 && b.Assignment.Count == 2, a, b);
        Assert.Equal(4, a.Assignment.Concat(b.Assignment).Distinct().Count());

        b.Close();
        PollUntil(() => a.Assignment.Count == 4, a);
        a.Close();
    }

    [Fact]
    public async Task A_new_consumer_resumes_from_the_committed_offset()
    {
        var topic = NewTopic(1);
        using (var producer = Producer())
            await KafkaTestClient.ProduceAllAsync(producer, topic,
                Enumerable.Range(0, 10).Select(i => new Message<string, string> { Key = "k", Value = $"v{i}" }));
        var group = NewGroup();
        using (var first = Consumer(group))
        {
            first.Subscribe(topic);
            var read = KafkaTestClient.ConsumeExactly(first, 4);
            first.Commit(read[^1]);
            first.Close();
        }
        using var second = Consumer(group);
        second.Subscribe(topic);
        var next = KafkaTestClient.ConsumeExactly(second, 1)[0];
        Assert.Equal(4, next.Offset.Value);
        Assert.Equal("v4", next.Message.Value);
        second.Close();
    }

    [Fact]
    public async Task A_pipeline_starts_processes_and_restarts_on_the_broker()
    {
        var prefix = $"bc{Guid.NewGuid():N}"[..10] + ".";
        var spec = TestSpecs.Agent(prefix);
        var stateDir = Directory.CreateTempSubdirectory("cc-conformance-").FullName;
        var db = garnet.Redis.GetDatabase();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(BootstrapServers)).Build();
        try
        {
            for (var round = 1; round <= 2; round++)
            {
                var host = new PipelineHost(spec);
                using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
                    await host.StartAsync(new KafkaClientSettings(BootstrapServers) { StageFetchWaitMaxMs = StageFetchWaitMaxMs }, Provisioner, garnet.Redis,
                        AggregateStores.Create(StoreKind.Memory, spec.Aggregate.StoreName), stateDir, timeout.Token);
                await using (host)
                {
                    var agent = $"a{round}";
                    await producer.ProduceAsync($"{prefix}agent", new Message<byte[]?, byte[]?>
                    {
                        Key = Encoding.UTF8.GetBytes(agent),
                        Value = EventSerde.Serialize(new AgentEvent(agent, 1, round, $"Agent {round}", "acme", "logged-in", "available")),
                        Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Created) } },
                    });
                    var until = DateTime.UtcNow.AddSeconds(45);
                    Dictionary<string, string>? hash = null;
                    while (hash is null && DateTime.UtcNow < until)
                    {
                        hash = await RedisStateReader.ReadHashAsync(db, $"{prefix}cc:agent:{agent}");
                        if (hash is null) await Task.Delay(50);
                    }
                    Assert.NotNull(hash);
                    Assert.Equal($"Agent {round}", hash["name"]);
                }
            }
        }
        finally
        {
            try { Directory.Delete(stateDir, recursive: true); } catch (IOException) { }
        }
    }

    protected static void PollUntil(Func<bool> done, params IConsumer<string, string>[] consumers)
    {
        var until = DateTime.UtcNow.AddSeconds(40);
        while (!done())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException("assignments: " + string.Join(" / ", consumers.Select(c => c.Assignment.Count)));
            foreach (var consumer in consumers) consumer.Consume(TimeSpan.FromMilliseconds(50));
        }
    }

    public abstract void Dispose();
}

/// <summary>The conformance tests on the native embedded broker, plus what only it supports.</summary>
[Trait("Kind", "Integration")]
[Collection(GarnetCollection.Name)]
public sealed class EmbeddedBrokerConformanceTests(GarnetBackend garnet) : BrokerConformanceTests(garnet)
{
    private readonly KafkaBroker _broker = KafkaBroker.Start(3);

    protected override string BootstrapServers => _broker.BootstrapServers;
    internal override ITopicProvisioner Provisioner => new BrokerTopicProvisioner(_broker);
    protected override void CreateTopic(string name, int partitions) => _broker.CreateTopic(name, partitions);

    [Fact]
    public async Task Offsets_for_times_finds_the_first_record_at_or_after_the_timestamp()
    {
        var topic = NewTopic(1);
        var t0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        using var producer = Producer();
        // One batch per record and several records per batch: both levels of the time index are used.
        for (var i = 0; i < 10; i++)
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = $"v{i}", Timestamp = new Timestamp(t0 + i * 1000, TimestampType.CreateTime) });
        await KafkaTestClient.ProduceAllAsync(producer, topic, Enumerable.Range(10, 10).Select(i =>
            new Message<string, string> { Key = "k", Value = $"v{i}", Timestamp = new Timestamp(t0 + i * 1000, TimestampType.CreateTime) }));

        using var consumer = Consumer(NewGroup());
        var tp = new TopicPartition(topic, 0);
        Offset At(long ms) => consumer.OffsetsForTimes([new TopicPartitionTimestamp(tp, new Timestamp(ms, TimestampType.CreateTime))], TimeSpan.FromSeconds(10))[0].Offset;
        Assert.Equal(0, At(t0 - 5000).Value);
        Assert.Equal(5, At(t0 + 5000).Value);
        Assert.Equal(6, At(t0 + 5001).Value);
        Assert.Equal(15, At(t0 + 15000).Value);
        Assert.Equal(Offset.End, At(t0 + 60_000));
    }

    [Fact]
    public async Task A_long_poll_fetch_is_answered_when_data_arrives_not_at_the_end_of_its_wait()
    {
        var topic = NewTopic(1);
        var config = KafkaClientDefaults.ConsumerForEmbedded(BootstrapServers, NewGroup());
        config.FetchWaitMaxMs = 5000; // an empty fetch may be held 5 s: only an append can answer it sooner
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.End));
        consumer.Consume(TimeSpan.FromMilliseconds(500)); // positioned; a fetch is now waiting on the broker
        using var producer = Producer();
        var latencies = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(200);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = $"v{i}" });
            Assert.Equal($"v{i}", KafkaTestClient.ConsumeExactly(consumer, 1)[0].Message.Value);
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        Assert.True(latencies.Order().ElementAt(2) < 1000, "median produce-to-consume " + string.Join(", ", latencies.Select(l => $"{l:F0} ms")));
        consumer.Close();
    }

    [Fact]
    public async Task Streamiz_creates_its_changelog_topic_itself_through_CreateTopics()
    {
        var prefix = $"sz{Guid.NewGuid():N}"[..10] + ".";
        var spec = TestSpecs.Agent(prefix);
        var changelog = ContactCenter.Processor.Streams.AggregateTopologyBuilder.ChangelogTopic(spec.Aggregate);
        // Everything but the changelog, as a deployment that lets Streamiz manage its internal topics would have.
        foreach (var (topic, partitions) in PipelineHost.RequiredTopics(spec).DistinctBy(t => t.Topic).Where(t => t.Topic != changelog))
            _broker.CreateTopic(topic, partitions);
        var stateDir = Directory.CreateTempSubdirectory("cc-streamiz-topics-").FullName;
        try
        {
            var host = new PipelineHost(spec);
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
                await host.StartAsync(new KafkaClientSettings(BootstrapServers), provisioner: null, Garnet.Redis,
                    AggregateStores.Create(StoreKind.Memory, spec.Aggregate.StoreName), stateDir, timeout.Token);
            await using (host)
            {
                var created = _broker.Cluster.Topic(changelog);
                Assert.NotNull(created);
                Assert.Equal(spec.Aggregate.Sources[0].Partitions, created.Partitions.Count);
                Assert.Equal("compact", created.Configs.GetValueOrDefault("cleanup.policy"));
            }
        }
        finally
        {
            try { Directory.Delete(stateDir, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task CreateTopics_with_configs_is_served_and_described()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var name = $"admin-{Guid.NewGuid():N}"[..16];
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification
        {
            Name = name, NumPartitions = 6, ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact", ["retention.ms"] = "3600000" },
        }]);
        var metadata = admin.GetMetadata(name, TimeSpan.FromSeconds(10)).Topics.Single();
        Assert.Equal(6, metadata.Partitions.Count);
        Assert.Equal(3, metadata.Partitions.Select(p => p.Leader).Distinct().Count()); // leaders spread over the brokers

        var described = await admin.DescribeConfigsAsync([new Confluent.Kafka.Admin.ConfigResource { Type = Confluent.Kafka.Admin.ResourceType.Topic, Name = name }]);
        var entries = described.Single().Entries;
        Assert.Equal("compact", entries["cleanup.policy"].Value);
        Assert.Equal("3600000", entries["retention.ms"].Value);
        Assert.False(entries["cleanup.policy"].IsDefault);
        Assert.True(entries["segment.bytes"].IsDefault);

        var again = await Assert.ThrowsAsync<Confluent.Kafka.Admin.CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = name, NumPartitions = 6, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, again.Results.Single().Error.Code);
        var badConfig = await Assert.ThrowsAsync<Confluent.Kafka.Admin.CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = name + "x", NumPartitions = 1, ReplicationFactor = 1,
                Configs = new Dictionary<string, string> { ["cleanup.policy"] = "sometimes" } }]));
        Assert.Equal(ErrorCode.InvalidConfig, badConfig.Results.Single().Error.Code);

        await admin.DeleteTopicsAsync([name]);
        Assert.Null(_broker.Cluster.Topic(name));
    }

    public override void Dispose() => _broker.Dispose();
}

/// <summary>The same conformance tests on librdkafka's mock cluster (the second opinion).</summary>
[Trait("Kind", "Integration")]
[Collection(GarnetCollection.Name)]
public sealed class MockBrokerConformanceTests(GarnetBackend garnet) : BrokerConformanceTests(garnet)
{
    private readonly LibrdkafkaMockCluster _broker = LibrdkafkaMockCluster.Start(3);

    protected override string BootstrapServers => _broker.BootstrapServers;
    internal override ITopicProvisioner Provisioner => new MockTopicProvisioner(_broker);
    protected override void CreateTopic(string name, int partitions) => _broker.CreateTopic(name, partitions);
    protected override int StageFetchWaitMaxMs => KafkaClientDefaults.MockStageFetchWaitMaxMs;

    public override void Dispose() => _broker.Dispose();
}
