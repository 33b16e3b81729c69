using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Processor.Kafka;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// A producer with librdkafka's default partitioner (CRC32, <see cref="Partitioner.ConsistentRandom"/>: what
/// Confluent.Kafka, kcat and most non-Java clients use) writes the voice-agent source while agent records are
/// partitioned with murmur2. By default every record of that source on another partition than murmur2's is
/// dead-lettered as wrong-partition (and counted), never merged into another task's aggregate; declared
/// <c>partitioner: any</c>, the source is re-keyed through the stage's repartition topic and every agent ends exact.
/// </summary>
[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class ForeignPartitionerTests(RealRedisBackend backend) : IDisposable
{
    private const int Agents = 40;
    private const int Partitions = 3;
    private readonly LibrdkafkaMockCluster _broker = LibrdkafkaMockCluster.Start(1);
    private readonly string _stateDir = Directory.CreateTempSubdirectory("cc-partitioner-test-").FullName;
    private readonly string _prefix = $"part{Guid.NewGuid():N}"[..12] + ".";

    private PipelineSpec Spec(bool repartitionVoice)
    {
        var spec = TestSpecs.Agent(_prefix, Partitions);
        var sources = spec.Aggregate.Sources.Select(s => s.Part == "voice" ? s with { Repartition = repartitionVoice } : s).ToList();
        return spec with { Aggregate = spec.Aggregate with { Sources = sources } };
    }

    private async Task<PipelineHost> StartAsync(PipelineSpec spec)
    {
        var host = new PipelineHost(spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(new KafkaClientSettings(_broker.BootstrapServers), new MockTopicProvisioner(_broker), backend.Redis,
            AggregateStores.Create(StoreKind.Memory, spec.Aggregate.StoreName), _stateDir, timeout.Token);
        return host;
    }

    /// <summary>Agent records with the engine's murmur2 producer, voice records with a CRC32 one; returns, per agent, the
    /// partition the CRC32 producer put its voice record on.</summary>
    private async Task<Dictionary<string, int>> ProduceAsync()
    {
        using var murmur2 = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
        var crc32Config = KafkaClientDefaults.Producer(_broker.BootstrapServers);
        crc32Config.Partitioner = Partitioner.ConsistentRandom;
        using var crc32 = new ProducerBuilder<byte[]?, byte[]?>(crc32Config).Build();
        var voicePartitions = new Dictionary<string, int>();
        for (var i = 0; i < Agents; i++)
        {
            var agent = $"a{i}";
            await murmur2.ProduceAsync($"{_prefix}agent", Message(agent, EventSerde.Serialize(new AgentEvent(agent, 1, 1_000, $"{agent} name", "acme", "logged-in", "available"))));
            var voice = await crc32.ProduceAsync($"{_prefix}voice-agent", Message(agent, EventSerde.Serialize(new VoiceAgentEvent(agent, 1, 1_001, $"x{i}", "IDLE", null))));
            voicePartitions[agent] = voice.Partition.Value;
        }
        return voicePartitions;
    }

    private static Message<byte[]?, byte[]?> Message(string key, byte[] value) => new()
    {
        Key = Encoding.UTF8.GetBytes(key),
        Value = value,
        Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Updated) } },
    };

    private static bool OnItsPartition(string agent, int partition) => Murmur2.Partition(Encoding.UTF8.GetBytes(agent), Partitions) == partition;

    private async Task<Dictionary<string, Dictionary<string, string>?>> WaitForAsync(Func<Dictionary<string, Dictionary<string, string>?>, bool> done, string what)
    {
        var db = backend.Redis.GetDatabase();
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var hashes = new Dictionary<string, Dictionary<string, string>?>();
            for (var i = 0; i < Agents; i++)
                hashes[$"a{i}"] = await RedisStateReader.ReadHashAsync(db, $"{_prefix}cc:agent:a{i}");
            if (done(hashes)) return hashes;
            Assert.True(DateTime.UtcNow < until, "timed out waiting for " + what);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_CRC32_producer_cannot_corrupt_an_agent_silently_its_misplaced_records_are_dead_lettered()
    {
        var spec = Spec(repartitionVoice: false);
        await using var host = await StartAsync(spec);
        var voicePartitions = await ProduceAsync();
        var misplaced = voicePartitions.Where(v => !OnItsPartition(v.Key, v.Value)).Select(v => v.Key).ToHashSet();
        Assert.InRange(misplaced.Count, 5, Agents - 5); // CRC32 and murmur2 agree on about one key in three

        await WaitForAsync(h => h.Values.All(x => x is not null && x.ContainsKey("name")) &&
            h.Where(x => !misplaced.Contains(x.Key)).All(x => x.Value!.ContainsKey("extension")), "every agent and the well-placed voice records");
        await WaitAsync(() => host.Aggregate.DeadLettered == misplaced.Count, "the misplaced voice records' dead letters");

        var hashes = await WaitForAsync(_ => true, "a read");
        Assert.All(misplaced, agent => Assert.False(hashes[agent]!.ContainsKey("extension"), $"{agent}'s misplaced voice record was merged"));
        Assert.Equal(misplaced.Count, host.Aggregate.Partitions.WrongPartition[spec.Aggregate.Sources.Single(s => s.Part == "voice").Name]);
        Assert.Equal(misplaced.Count, host.Aggregate.DeadLetters.ByReasonClass["wrong-partition"]);

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Consumer(_broker.BootstrapServers, $"{_prefix}dlq-reader")).Build();
        consumer.Assign(new TopicPartitionOffset($"{_prefix}cc.dead-letter", 0, Offset.Beginning)); // one partition
        var dead = new List<(string Key, string Reason)>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (dead.Count < misplaced.Count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r)
                dead.Add((Encoding.UTF8.GetString(r.Message.Key!), Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes("cc-dlq-reason"))));
        }
        Assert.Equal(misplaced.Order(), dead.Select(d => d.Key).Order());
        Assert.All(dead, d => Assert.StartsWith("wrong-partition: ", d.Reason));
    }

    [Fact]
    public async Task A_CRC32_source_declared_partitioner_any_is_repartitioned_and_every_agent_ends_exact()
    {
        var spec = Spec(repartitionVoice: true);
        await using var host = await StartAsync(spec);
        var voicePartitions = await ProduceAsync();
        Assert.Contains(voicePartitions, v => !OnItsPartition(v.Key, v.Value));

        var hashes = await WaitForAsync(h => h.Values.All(x => x is not null && x.ContainsKey("name") && x.ContainsKey("extension")), "every agent with its voice part");
        for (var i = 0; i < Agents; i++)
        {
            Assert.Equal($"a{i} name", hashes[$"a{i}"]!["name"]);
            Assert.Equal($"x{i}", hashes[$"a{i}"]!["extension"]);
            Assert.Equal("IDLE", hashes[$"a{i}"]!["callState"]);
        }
        Assert.Equal(0, host.Aggregate.DeadLettered);
        Assert.Empty(host.Aggregate.Partitions.WrongPartition);
    }

    private static async Task WaitAsync(Func<bool> done, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < until, "timed out waiting for " + what);
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _broker.Dispose();
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }
}
