using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// The pipeline on the embedded broker writing to a Redis topology under changes (failover, reshard), with traffic that
/// keeps flowing: every agent receives updates with rising versions, and must end holding the last one sent (the model:
/// the highest version of each agent, known without asking the engine).
/// </summary>
internal sealed class FailoverTraffic : IAsyncDisposable
{
    private readonly LocalKafka _broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
    private readonly string _stateDir = Directory.CreateTempSubdirectory("cc-failover-test-").FullName;
    private readonly string _prefix = $"fo{Guid.NewGuid():N}"[..10] + ".";
    private readonly Dictionary<string, int> _versions = new();
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly int _agents;
    private CancellationTokenSource? _stop;
    private Task? _traffic;
    private long _sent;
    private volatile int _stride = 1;

    public FailoverTraffic(int agents)
    {
        _agents = agents;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();
    }

    public PipelineSpec Spec => TestSpecs.Agent(_prefix);

    /// <summary>Updates sent so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public async Task<PipelineHost> StartPipelineAsync(IConnectionMultiplexer redis)
    {
        var host = new PipelineHost(Spec);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(_broker.BootstrapServers, _broker.Provisioner, redis,
            AggregateStores.Create(StoreKind.Memory, Spec.Aggregate.StoreName), _stateDir, timeout.Token);
        return host;
    }

    /// <summary>Starts sending: round after round, each agent one version up.</summary>
    public void Start()
    {
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _traffic = Task.Run(async () =>
        {
            for (var round = 1; !token.IsCancellationRequested; round++)
            {
                for (var a = 0; a < _agents && !token.IsCancellationRequested; a += _stride)
                {
                    var agent = $"a{a}";
                    var ev = new AgentEvent(agent, round, 1_000 + round, $"{agent} v{round}", "acme", "logged-in", $"p{round}");
                    _producer.Produce($"{_prefix}agent", new Message<byte[]?, byte[]?>
                    {
                        Key = Encoding.UTF8.GetBytes(agent),
                        Value = EventSerde.Serialize(ev),
                        Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Updated) } },
                    });
                    lock (_versions) _versions[agent] = round;
                    Interlocked.Increment(ref _sent);
                }
                _producer.Flush(TimeSpan.FromSeconds(10));
                await Task.Delay(20, CancellationToken.None);
            }
        });
    }

    /// <summary>From now on only every other agent is updated: the others keep the last version sent so far, so only a
    /// repair can bring it back if Redis loses it (a later update would otherwise hide the loss).</summary>
    public void FreezeHalf() => _stride = 2;

    /// <summary>Stops sending and waits until every update is delivered to the broker.</summary>
    public async Task StopAsync()
    {
        if (_stop is null) return;
        await _stop.CancelAsync();
        await _traffic!;
        _producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until Redis holds exactly each agent's last version (fails with the differences after the timeout).</summary>
    public async Task EndExactAsync(IConnectionMultiplexer redis, TimeSpan timeout)
    {
        Dictionary<string, int> versions;
        lock (_versions) versions = new(_versions);
        var db = redis.GetDatabase();
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var wrong = new List<string>();
            foreach (var (agent, version) in versions)
            {
                Dictionary<string, string>? hash = null;
                try { hash = await RedisStateReader.ReadHashAsync(db, $"{_prefix}cc:agent:{agent}"); }
                catch (RedisException) { /* a node still coming back */ }
                if (hash is null || hash.GetValueOrDefault("name") != $"{agent} v{version}" || hash.GetValueOrDefault("presence") != $"p{version}")
                    wrong.Add($"{agent} (want v{version}, have {hash?.GetValueOrDefault("name") ?? "nothing"})");
            }
            if (wrong.Count == 0) return;
            if (DateTime.UtcNow > until)
                Assert.Fail($"{wrong.Count} of {versions.Count} agents missing or stale in Redis: {string.Join(", ", wrong.Take(10))}");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _producer.Dispose();
        _broker.Dispose();
        try { Directory.Delete(_stateDir, recursive: true); } catch (IOException) { }
    }
}
