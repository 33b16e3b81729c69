using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Sandbox.Simulation;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Sandbox.Scale;

/// <summary>
/// Simulated source events at a steady rate, every 10 ms a slice, until stopped. The simulation remembers the newest
/// event per agent and part, so it is the model the end state is checked against; a delivery failure is counted, since
/// the model would then expect an event the pipeline never saw.
/// </summary>
internal sealed class SteadyTraffic : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private readonly AgentSimulation _simulation;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly Dictionary<string, SourceSpec> _sources;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _produced;
    private long _failed;

    public SteadyTraffic(PipelineSpec spec, string bootstrapServers, AgentSimulation simulation)
    {
        _simulation = simulation;
        _sources = spec.Aggregate.Sources.ToDictionary(s => s.Name);
        _producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(bootstrapServers)).Build();
    }

    public long Produced => Interlocked.Read(ref _produced);

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Produces <paramref name="count"/> events at once (state for the first owners to build), then flushes.</summary>
    public void Burst(int count)
    {
        for (var i = 0; i < count; i++) ProduceOne();
        _producer.Flush(TimeSpan.FromSeconds(60));
    }

    /// <summary>Starts producing <paramref name="perSecond"/> events a second in the background.</summary>
    public void Start(int perSecond)
    {
        _loop = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            long sent = 0;
            using var timer = new PeriodicTimer(Tick);
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var due = (long)(clock.Elapsed.TotalSeconds * perSecond);
                for (; sent < due; sent++) ProduceOne();
            }
        });
    }

    /// <summary>Stops the traffic and waits until every event was acknowledged by the broker.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try { await _loop.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        _producer.Flush(TimeSpan.FromSeconds(60));
    }

    private void ProduceOne()
    {
        var ev = _simulation.Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var source = _sources[ev.Source];
        _producer.Produce(source.Topic, ExpectedState.ToMessage(ev, source.OpHeader), report =>
        {
            if (report.Error.IsError) Interlocked.Increment(ref _failed);
        });
        Interlocked.Increment(ref _produced);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _producer.Dispose();
        _stop.Dispose();
    }
}
