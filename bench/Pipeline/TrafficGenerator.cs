using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Spec;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// The demo's traffic for one design: the demo's seeded <see cref="AgentSimulation"/> of live agents (without its
/// deliberate duplicates and malformed records, which the replaced design's tables would treat differently), plus a
/// second simulation of agents that do not exist yet, provisioned in bulk (three CREATED events each). The same seeds
/// give both designs the same events in the same order.
/// </summary>
internal sealed class TrafficGenerator : IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly Dictionary<string, (string Topic, string OpHeader)> _topics;
    private readonly AgentSimulation _live;
    private readonly AgentSimulation _bulk;
    private readonly PipelineSpec _spec;
    private long _produced;
    private long _errors;

    public TrafficGenerator(string bootstrapServers, PipelineSpec spec, Func<SourceSpec, string> topicOf, int liveAgents, int bulkAgents, int seed)
    {
        _spec = spec;
        _topics = spec.Aggregate.Sources.ToDictionary(s => s.Name, s => (topicOf(s), s.OpHeader));
        _live = new AgentSimulation(liveAgents, seed);
        _bulk = new AgentSimulation(bulkAgents, seed + 1, firstId: liveAgents);
        _producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(bootstrapServers)).Build();
    }

    /// <summary>Events produced so far (all phases).</summary>
    public long Produced => Interlocked.Read(ref _produced);

    /// <summary>Open loop: <paramref name="rate"/> events a second for <paramref name="duration"/>, on schedule whatever
    /// the pipeline does. Exactly rate x duration events, so that both designs get the very same events.</summary>
    public async Task AtRateAsync(int rate, TimeSpan duration)
    {
        var total = (long)(rate * duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (sent < total)
        {
            var due = Math.Min(total, (long)(clock.Elapsed.TotalSeconds * rate));
            for (; sent < due; sent++)
                Produce(_live.Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            if (sent < total) await Task.Delay(1);
        }
        Flush();
    }

    /// <summary>The next <paramref name="count"/> live events, made now and sent later with <see cref="ProduceAll"/>
    /// (so that making them does not compete with the pipeline for CPU while it drains).</summary>
    public List<GeneratedEvent> Prepare(int count)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return Enumerable.Range(0, count).Select(_ => _live.Next(now)).ToList();
    }

    /// <summary>The bulk provisioning: three CREATED events for every agent of the bulk simulation.</summary>
    public List<GeneratedEvent> PrepareBurst() => _bulk.Provision(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).ToList();

    /// <summary>Sends prepared events as fast as the producer takes them.</summary>
    public void ProduceAll(IEnumerable<GeneratedEvent> events)
    {
        foreach (var ev in events) Produce(ev);
        Flush();
    }

    /// <summary>The hash every agent of both simulations must end with (null: none).</summary>
    public Dictionary<string, Dictionary<string, string>?> Expected() =>
        _live.Agents.Concat(_bulk.Agents).ToDictionary(a => a.Id, a => ExpectedState.For(a, _spec));

    private void Produce(GeneratedEvent ev)
    {
        var (topic, opHeader) = _topics[ev.Source];
        var message = ExpectedState.ToMessage(ev, opHeader);
        while (true)
        {
            try
            {
                _producer.Produce(topic, message, report => { if (report.Error.IsError) Interlocked.Increment(ref _errors); });
                break;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(1));
            }
        }
        Interlocked.Increment(ref _produced);
    }

    private void Flush()
    {
        _producer.Flush(TimeSpan.FromSeconds(60));
        if (Interlocked.Read(ref _errors) > 0) throw new InvalidOperationException($"{_errors} events could not be produced");
    }

    public void Dispose() => _producer.Dispose();
}
