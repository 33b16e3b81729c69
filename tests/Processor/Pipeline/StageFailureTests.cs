using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Topology.Events;
using Microsoft.Extensions.Logging;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// A stage that cannot go on says so at once: when Redis refuses every write for a reason retrying cannot fix (out
/// of memory under noeviction), the pipeline's health fails with the reason and the failure is logged as critical
/// while the process is still running, not at shutdown.
/// </summary>
[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class StageFailureTests(RealRedisBackend backend)
{
    [Fact]
    public async Task A_state_stage_whose_Redis_refuses_every_write_reports_it_at_once()
    {
        var prefix = $"fail{Guid.NewGuid():N}"[..12] + ".";
        var spec = TestSpecs.Agent(prefix);
        using var broker = LocalKafka.Start(LocalKafka.DefaultKind, 1);
        var logs = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var stateDir = Directory.CreateTempSubdirectory("cc-fail-test-").FullName;
        await using var host = new PipelineHost(spec, factory);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(new KafkaClientSettings(broker.BootstrapServers), broker.Provisioner, backend.Redis,
            AggregateStores.Create(StoreKind.Memory, spec.Aggregate.StoreName), stateDir, timeout.Token);
        Assert.True(host.Health.IsHealthy);

        await using (await RedisOutOfMemory.StartAsync(backend))
        {
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
            await producer.ProduceAsync($"{prefix}agent", new Message<byte[]?, byte[]?>
            {
                Key = "a1"u8.ToArray(),
                Value = Encoding.UTF8.GetBytes("{\"agentId\":\"a1\",\"version\":1,\"name\":\"Ann\"}"),
                Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Created) } },
            });

            var failure = await host.Health.Failure.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains($"stage {spec.State.Name} stopped", failure);
            Assert.Contains("OOM", failure);
            Assert.False(host.Health.IsHealthy);
            Assert.Contains(logs.Entries, e => e.Level == LogLevel.Critical && e.Message.Contains("agent-state", StringComparison.Ordinal));
        }
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(Entries);

        public void Dispose()
        {
        }

        private sealed class Recorder(System.Collections.Concurrent.ConcurrentQueue<(LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
