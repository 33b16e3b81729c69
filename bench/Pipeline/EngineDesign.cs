using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// This engine as shipped: a <see cref="Pod"/> hosting both stages of the topology (the merge stage with its FASTER
/// store and the derived topic, the state stage in its own group with fenced, pipelined Redis writes), its lag monitor
/// and metrics included; only the HTTP endpoints are left out. Latency is taken from the state stage's writer
/// acknowledgements (the moment Redis answered the batch the write was in).
/// </summary>
internal sealed class EngineDesign(PipelineSpec spec, string bootstrapServers, string redisEndpoint, string stateDir, AckRecorder acks) : IBenchDesign
{
    private readonly ILoggerFactory _logs = Logs.Create(LogLevel.Warning, LogLevel.Error);
    private Pod? _pod;

    public async Task StartAsync(CancellationToken ct)
    {
        var options = new PodOptions
        {
            StateDir = stateDir,
            CreateTopics = false, // the benchmark created them on the shared broker
            Kafka = new KafkaOptions { BootstrapServers = bootstrapServers },
            Redis = new RedisOptions { Endpoint = redisEndpoint },
        };
        _pod = new Pod(options, new KafkaClientSettings(bootstrapServers) { ClientId = "bench" }, spec, _logs);
        foreach (var stage in _pod.HostedStages)
            await _pod.StartStageAsync(stage, ct);
        _pod.Pipeline.State.Acknowledged += batch => acks.Record(batch.Writes, w => w.SourceTimestampMs);
    }

    public async ValueTask DisposeAsync()
    {
        if (_pod is not null) await _pod.DisposeAsync();
        _logs.Dispose();
    }
}
