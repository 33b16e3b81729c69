using Microsoft.Extensions.Logging.Abstractions;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// Both stages for real: the embedded broker over TCP, Streamiz, and Redis (a real redis-server and Garnet).
/// </summary>
public abstract class PipelineEndToEndTests(RedisBackend backend) : IDisposable
{
    private readonly LocalKafka _broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
    private readonly string _stateDir = Directory.CreateTempSubdirectory("cc-pipeline-test-").FullName;

    private IProducer<byte[]?, byte[]?> Producer => _producerLazy ??= new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
    private IProducer<byte[]?, byte[]?>? _producerLazy;

    private static Message<byte[]?, byte[]?> Event(ISourceEvent ev, EventOp op) => new()
    {
        Key = Encoding.UTF8.GetBytes(ev.AgentId),
        Value = EventSerde.Serialize(ev),
        Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(op) } },
    };

    private async Task ProduceAsync(string topic, params Message<byte[]?, byte[]?>[] messages)
    {
        foreach (var message in messages)
            await Producer.ProduceAsync(topic, message);
    }

    private async Task<PipelineHost> StartAsync(PipelineSpec spec)
    {
        var host = new PipelineHost(spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(new KafkaClientSettings(_broker.BootstrapServers), _broker.Provisioner, backend.Redis,
            AggregateStores.Create(StoreKind.Memory, spec.Aggregate.StoreName), _stateDir, timeout.Token);
        return host;
    }

    private static async Task<Dictionary<string, string>?> EventuallyAsync(Func<Task<Dictionary<string, string>?>> read, Func<Dictionary<string, string>?, bool> done)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > until) return value;
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Merges_three_sources_into_one_hash_drops_stale_events_deletes_and_dead_letters_bad_input()
    {
        var prefix = $"e2e{Guid.NewGuid():N}"[..12] + ".";
        var spec = TestSpecs.Agent(prefix);
        await using var host = await StartAsync(spec);
        var db = backend.Redis.GetDatabase();
        string Key(string id) => $"{prefix}cc:agent:{id}";

        await ProduceAsync($"{prefix}agent", Event(new AgentEvent("a1", 2, 1, "Ann", "acme", "logged-in", "available"), EventOp.Created));
        await ProduceAsync($"{prefix}voice-agent", Event(new VoiceAgentEvent("a1", 1, 2, "1001", "ringing", "call-1"), EventOp.Created));
        await ProduceAsync($"{prefix}user-feature", Event(new UserFeatureEvent("a1", 1, 3, true, ["sales"], ["voice", "chat"]), EventOp.Created));
        // Stale: an older agent version arrives late and must not win.
        await ProduceAsync($"{prefix}agent", Event(new AgentEvent("a1", 1, 4, "Old Ann", "acme", "logged-in", "offline"), EventOp.Updated));
        // a2 is created then deleted.
        await ProduceAsync($"{prefix}agent", Event(new AgentEvent("a2", 1, 5, "Bob", "acme", "logged-in", "busy"), EventOp.Created));
        // Bad input of three kinds on one partition-keyed topic; good records keep flowing around them.
        await ProduceAsync($"{prefix}agent",
            new Message<byte[]?, byte[]?> { Key = "a9"u8.ToArray(), Value = "{\"version\":"u8.ToArray(), Headers = new Headers { { EventHeaders.Op, "UPDATED"u8.ToArray() } } },
            new Message<byte[]?, byte[]?> { Key = "a9"u8.ToArray(), Value = "{\"version\":1}"u8.ToArray(), Headers = new Headers() },
            new Message<byte[]?, byte[]?> { Key = null, Value = "{\"version\":1}"u8.ToArray(), Headers = new Headers { { EventHeaders.Op, "CREATED"u8.ToArray() } } });

        // The stale event must have gone through both stages before a1 is read. A marker agent whose key lands on a1's
        // partition (every topic here has the same partition count and key) is produced after it; partitions are read
        // in order, so once the marker's hash is in Redis the stale event has been through both stages too.
        var marker = SamePartitionAs("a1", spec.Aggregate.Sources[0].Partitions);
        await ProduceAsync($"{prefix}agent", Event(new AgentEvent(marker, 1, 7, "Marker", "acme", "logged-in", "available"), EventOp.Created));
        Assert.NotNull(await EventuallyAsync(() => RedisStateReader.ReadHashAsync(db, Key(marker)), h => h is not null));
        var a1 = await EventuallyAsync(() => RedisStateReader.ReadHashAsync(db, Key("a1")), h => h is not null && h.ContainsKey("skills"));
        Assert.NotNull(a1);
        Assert.Equal("Ann", a1["name"]);
        Assert.Equal("available", a1["presence"]);
        Assert.Equal("ringing", a1["callState"]);
        Assert.Equal("[\"sales\"]", a1["skills"]);
        Assert.Equal("true", a1["recording"]);

        Assert.NotNull(await EventuallyAsync(() => RedisStateReader.ReadHashAsync(db, Key("a2")), h => h is not null));
        await ProduceAsync($"{prefix}agent", Event(new AgentEvent("a2", 2, 6, "Bob", "acme", "deleted", "offline"), EventOp.Deleted));
        Assert.Null(await EventuallyAsync(() => RedisStateReader.ReadHashAsync(db, Key("a2")), h => h is null));

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, $"{prefix}dlq-reader")).Build();
        consumer.Subscribe($"{prefix}cc.dead-letter");
        var dead = KafkaTestClient.ConsumeExactly(consumer, 3);
        var reasons = dead.Select(r => Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes(EventHeaders.DeadLetterReason))).ToList();
        Assert.Contains(reasons, r => r.Contains("malformed JSON"));
        Assert.Contains(reasons, r => r.Contains("missing header 'cc-op'"));
        Assert.Contains(reasons, r => r.Contains("no key"));
        Assert.All(dead, r => Assert.StartsWith($"{prefix}agent/", Encoding.UTF8.GetString(r.Message.Headers.GetLastBytes(EventHeaders.DeadLetterSource))));

        // Redis holds the progress of the state stage, written with the data.
        var offsets = await RedisStateReader.ReadOffsetsAsync(db, spec.State.Name);
        Assert.NotEmpty(offsets);
    }

    [Fact]
    public async Task A_new_state_stage_starts_from_the_offsets_in_Redis_not_from_the_start_of_the_topic()
    {
        var prefix = $"snap{Guid.NewGuid():N}"[..12] + ".";
        var spec = TestSpecs.Agent(prefix);
        var db = backend.Redis.GetDatabase();
        await using (var host = await StartAsync(spec))
        {
            for (var i = 0; i < 30; i++)
                await ProduceAsync($"{prefix}agent", Event(new AgentEvent($"a{i}", 1, 1, $"Agent {i}", "acme", "logged-in", "available"), EventOp.Created));
            var last = await EventuallyAsync(() => RedisStateReader.ReadHashAsync(db, $"{prefix}cc:agent:a29"), h => h is not null);
            Assert.NotNull(last);
            await host.State.FlushAsync(CancellationToken.None);
        }
        var recorded = await RedisStateReader.ReadOffsetsAsync(db, spec.State.Name);
        Assert.Equal(30, recorded.Values.Sum(o => o + 1));

        // A pod with no Kafka offsets at all (a new consumer group): Redis says where to resume.
        var freshGroup = spec.State with { GroupId = spec.State.GroupId + ".fresh" };
        await using var state = new StateStageHost(freshGroup, new KafkaClientSettings(_broker.BootstrapServers), backend.Redis, NullLoggerFactory.Instance, new StageHealth(NullLogger.Instance));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await state.StartAsync(timeout.Token);

        // One new aggregate on every partition, after the 30 already applied. Once each is in Redis the stage has read
        // every partition up to it, so anything it replayed would have been consumed by then: it must have read only these.
        var partitions = spec.State.InputPartitions;
        for (var p = 0; p < partitions; p++)
        {
            var aggregate = new ContactCenter.Topology.Aggregation.UserAggregate($"late{p}");
            aggregate.GetOrAdd("agent").Fields.Add(new("name", $"Late {p}"));
            aggregate.GetOrAdd("agent").Version = 1;
            await Producer.ProduceAsync(new TopicPartition($"{prefix}user-aggregate", p), new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes($"late{p}"),
                Value = ContactCenter.Topology.Aggregation.AggregateCodec.Encode(aggregate),
            });
        }
        for (var p = 0; p < partitions; p++)
        {
            var late = await EventuallyAsync(() => RedisStateReader.ReadHashAsync(db, $"{prefix}cc:agent:late{p}"), h => h is not null);
            Assert.Equal($"Late {p}", late?["name"]);
        }
        Assert.Equal(partitions, state.Consumed);
    }

    /// <summary>A key other than <paramref name="key"/> that the producers' murmur2 partitioner puts on the same partition.</summary>
    private static string SamePartitionAs(string key, int partitions)
    {
        var target = Murmur2.Partition(Encoding.UTF8.GetBytes(key), partitions);
        for (var i = 0; ; i++)
        {
            var candidate = $"marker{i}";
            if (Murmur2.Partition(Encoding.UTF8.GetBytes(candidate), partitions) == target) return candidate;
        }
    }

    [Fact]
    public async Task A_field_mapping_edited_in_the_topology_file_changes_what_lands_in_Redis()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"));
        var keyPattern = $"mapped{Guid.NewGuid():N}"[..14] + ":{key}";
        // A data engineer's edit: the hash field 'presence' becomes 'availability'. No C# changes.
        var edited = text
            .Replace("      presence: presence\n      recording:", "      presence: availability\n      recording:", StringComparison.Ordinal)
            .Replace("\"cc:agent:{key}\"", $"\"{keyPattern}\"", StringComparison.Ordinal);
        Assert.NotEqual(text, edited);
        var loaded = ContactCenter.Topology.Files.TopologyLoader.Parse(edited, "edited.yaml");
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics));
        var spec = loaded.Spec!;
        await using var host = await StartAsync(spec);

        await ProduceAsync("agent", Event(new AgentEvent("a1", 1, 1, "Ann", "acme", "logged-in", "busy"), EventOp.Created));
        var hash = await EventuallyAsync(() => RedisStateReader.ReadHashAsync(backend.Redis.GetDatabase(), keyPattern.Replace("{key}", "a1")), h => h is not null);
        Assert.NotNull(hash);
        Assert.Equal("busy", hash["availability"]);
        Assert.False(hash.ContainsKey("presence"));
        Assert.Equal("acme", hash["tenant"]);
    }


    public void Dispose()
    {
        _producerLazy?.Dispose();
        _broker.Dispose();
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class PipelineOnRedisTests(RealRedisBackend backend) : PipelineEndToEndTests(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class PipelineOnGarnetTests(GarnetBackend backend) : PipelineEndToEndTests(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class PipelineOnRedisClusterTests(RedisClusterBackend backend) : PipelineEndToEndTests(backend);
