using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using FsCheck.Xunit;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// No record can stop a stage. Both real stages run on the embedded broker and a real Redis; each FsCheck case sends
/// a batch of hostile records (<see cref="HostileRecords"/>) mixed with normal agents' traffic to the same running
/// pipeline and checks conservation: every record each stage consumed was applied, stale, dropped or dead-lettered
/// with a reason and its origin; every record that breaks a rule by construction is in the dead-letter topic; the
/// stages are still healthy; and every normal agent ends exactly as a small model says (highest version per part).
/// </summary>
public abstract class PoisonRecordProperties(RedisBackend backend) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    // The records reach 1.1 MB: like a real cluster, the broker must be configured to take them (message.max.bytes).
    private readonly LocalKafka _broker = LocalKafka.Start(LocalKafka.DefaultKind, 1, messageMaxBytes: 2_100_000);
    private readonly string _stateDir = Directory.CreateTempSubdirectory("cc-poison-test-").FullName;
    private readonly string _prefix = $"poison{Guid.NewGuid():N}"[..14] + ".";
    private readonly HashSet<string> _dlqSources = new(StringComparer.Ordinal);
    private PipelineSpec _spec = null!;
    private PipelineHost _host = null!;
    private IProducer<byte[]?, byte[]?> _producer = null!;
    private IConsumer<byte[]?, byte[]?> _dlqReader = null!;
    private long _toSources;
    private long _toDerived;
    private int _case;

    public async Task InitializeAsync()
    {
        _spec = TestSpecs.Agent(_prefix);
        _host = new PipelineHost(_spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StartAsync(new KafkaClientSettings(_broker.BootstrapServers), _broker.Provisioner, backend.Redis,
            AggregateStores.Create(StoreKind.Memory, _spec.Aggregate.StoreName), _stateDir, timeout.Token);
        var producerConfig = KafkaClientDefaults.Producer(_broker.BootstrapServers);
        producerConfig.MessageMaxBytes = 2_000_000; // this test produces records past the engine's own producers' limit
        _producer = new ProducerBuilder<byte[]?, byte[]?>(producerConfig).Build();
        _dlqReader = new ConsumerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, _prefix + "dlq-reader")).Build();
        _dlqReader.Assign(new TopicPartitionOffset(_spec.Aggregate.DeadLetterTopic, 0, Offset.Beginning));
    }

    public async Task DisposeAsync()
    {
        _dlqReader.Close();
        _dlqReader.Dispose();
        _producer.Dispose();
        await _host.DisposeAsync();
        _broker.Dispose();
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }

    [Property(MaxTest = 25)]
    public Task<bool> Every_record_is_applied_stale_or_dead_lettered_and_normal_agents_end_exact(int[] draws, byte[] noise) =>
        Task.Run(async () =>
        {
            var ns = $"c{Interlocked.Increment(ref _case)}-";
            var normal = NormalTraffic.For(ns, 12, seed: draws.Length == 0 ? 1 : draws[0]);
            var hostile = HostileRecords.From(draws.Take(60).ToArray(), noise, ns, normal.AgentIds, _prefix + "cc:agent:");
            foreach (var key in hostile.Select(h => h.RedisStringKey).OfType<string>())
                await backend.Db.StringSetAsync(key, "a foreign value");

            var mustDeadLetter = new List<(string Origin, string Kind)>();
            var normalOrigins = new HashSet<string>(StringComparer.Ordinal);
            // Hostile records go between normal ones, so a stage that stopped on one would leave normal agents stale.
            foreach (var (record, i) in Interleave(normal.Records, hostile))
            {
                var topic = record switch
                {
                    HostileRecord { ToDerived: true } => _spec.State.InputTopic,
                    HostileRecord h => _spec.Aggregate.Sources[h.Source].Topic,
                    NormalRecord n => _spec.Aggregate.Sources[n.Source].Topic,
                    _ => throw new InvalidOperationException(),
                };
                var message = record is HostileRecord hr ? hr.Message : ((NormalRecord)record).Message;
                var delivered = await _producer.ProduceAsync(topic, message);
                var origin = $"{delivered.Topic}/{delivered.Partition.Value}/{delivered.Offset.Value}";
                if (topic == _spec.State.InputTopic) _toDerived++; else _toSources++;
                if (record is HostileRecord { MustDeadLetter: true } bad) mustDeadLetter.Add((origin, bad.Kind));
                if (record is NormalRecord) normalOrigins.Add(origin);
            }

            var aggregate = _host.Aggregate.Counters;
            var state = _host.State.Counters;
            // A record is counted consumed before its outcome: wait for both stages' outcomes to account for all.
            await WaitUntilAsync(() => aggregate.Consumed >= _toSources
                && aggregate.Applied + aggregate.Stale + aggregate.DeadLettered == aggregate.Consumed
                && state.Consumed >= aggregate.Applied + _toDerived
                && state.Applied + state.Stale + state.Dropped + state.DeadLettered == state.Consumed,
                () => $"aggregate: {aggregate}; state: {state}; produced to sources {_toSources}, to derived {_toDerived}");

            Assert.True(_host.Health.IsHealthy, "a stage stopped");
            Assert.Equal(_toSources, aggregate.Consumed);
            Assert.Equal(aggregate.Consumed, aggregate.Applied + aggregate.Stale + aggregate.DeadLettered);
            Assert.Equal(aggregate.Applied + _toDerived, state.Consumed);

            ReadDeadLetters(aggregate.DeadLettered + state.DeadLettered);
            var missing = mustDeadLetter.Where(m => !_dlqSources.Contains(m.Origin)).ToList();
            Assert.True(missing.Count == 0, "not dead-lettered: " + string.Join(", ", missing));
            Assert.DoesNotContain(normalOrigins, _dlqSources.Contains);

            foreach (var key in hostile.Select(h => h.RedisStringKey).OfType<string>())
                Assert.Equal("a foreign value", await backend.Db.StringGetAsync(key));
            foreach (var (agent, expected) in normal.Expected)
            {
                var actual = await RedisStateReader.ReadHashAsync(backend.Db, $"{_prefix}cc:agent:{agent}");
                Assert.Equal(expected.OrderBy(e => e.Key), actual?.OrderBy(e => e.Key));
            }
            return true;
        });

    /// <summary>Reads the dead-letter topic up to <paramref name="total"/> records; each must carry a reason and an origin.</summary>
    private void ReadDeadLetters(long total)
    {
        var until = DateTime.UtcNow + Deadline;
        while (_dlqSources.Count < total)
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"read {_dlqSources.Count} of {total} dead letters");
            var result = _dlqReader.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null || result.IsPartitionEOF) continue;
            var headers = result.Message.Headers;
            Assert.True(headers.TryGetLastBytes(EventHeaders.DeadLetterReason, out var reason) && reason.Length > 0, "a dead letter without a reason");
            Assert.True(headers.TryGetLastBytes(EventHeaders.DeadLetterSource, out var source), "a dead letter without its origin");
            Assert.True(_dlqSources.Add(Encoding.UTF8.GetString(source)), "a record dead-lettered twice: " + Encoding.UTF8.GetString(source));
        }
    }

    private static IEnumerable<(object Record, int Index)> Interleave(IReadOnlyList<NormalRecord> normal, IReadOnlyList<HostileRecord> hostile)
    {
        var total = normal.Count + hostile.Count;
        int n = 0, h = 0;
        for (var i = 0; i < total; i++)
        {
            // Spread hostile records evenly through the normal ones.
            var takeHostile = h < hostile.Count && (n >= normal.Count || (long)h * total <= (long)i * hostile.Count);
            yield return takeHostile ? (hostile[h++], i) : (normal[n++], i);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> done, Func<string> state)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!done())
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException("the stages did not account for every record: " + state());
            await Task.Delay(50);
        }
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class PoisonRecordPropertiesOnRedis(RealRedisBackend backend) : PoisonRecordProperties(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class PoisonRecordPropertiesOnGarnet(GarnetBackend backend) : PoisonRecordProperties(backend);
