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
    private volatile bool _frozen;

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
        await host.StartAsync(new KafkaClientSettings(_broker.BootstrapServers), _broker.Provisioner, redis,
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
                for (var a = 0; a < _agents && !token.IsCancellationRequested; a++)
                {
                    if (_frozen && a % 2 == 1) continue;
                    Send($"a{a}", round);
                }
                _producer.Flush(TimeSpan.FromSeconds(10));
                await Task.Delay(20, CancellationToken.None);
            }
        });
    }

    private void Send(string agent, int version)
    {
        var ev = new AgentEvent(agent, version, 1_000 + version, $"{agent} v{version}", "acme", "logged-in", $"p{version}");
        _producer.Produce($"{_prefix}agent", new Message<byte[]?, byte[]?>
        {
            Key = Encoding.UTF8.GetBytes(agent),
            Value = EventSerde.Serialize(ev),
            Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Updated) } },
        });
        lock (_versions) _versions[agent] = Math.Max(version, _versions.GetValueOrDefault(agent));
        Interlocked.Increment(ref _sent);
    }

    /// <summary>From now on the rounds skip the odd agents (the frozen half).</summary>
    public void FreezeHalf() => _frozen = true;

    /// <summary>
    /// One last update for every frozen agent, far above any version the rounds reach, and waits until Redis holds all
    /// of them: sent while a replica lags, these live on its primary alone, and no later update hides their loss.
    /// </summary>
    public async Task LastUpdateOfFrozenAsync(IConnectionMultiplexer redis)
    {
        var frozen = new Dictionary<string, int>();
        for (var a = 1; a < _agents; a += 2)
        {
            var agent = $"a{a}";
            int version;
            lock (_versions) version = _versions.GetValueOrDefault(agent) + 1_000;
            Send(agent, version);
            frozen[agent] = version;
        }
        _producer.Flush(TimeSpan.FromSeconds(10));
        await ExactAsync(redis, frozen, TimeSpan.FromSeconds(30));
    }

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
        await ExactAsync(redis, versions, timeout);
    }

    private async Task ExactAsync(IConnectionMultiplexer redis, Dictionary<string, int> versions, TimeSpan timeout)
    {
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
