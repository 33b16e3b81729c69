using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Table;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// The design this engine replaces, built with Streamiz the way a Kafka Streams user would: one application (so ONE
/// consumer group) that reads the three source topics as KTables in RocksDB stores (Streamiz's persistent default),
/// left-joins them in a chain (the first join materialized in RocksDB too), writes the result to a derived topic, and
/// reads that derived topic back in the same application to write each record to Redis synchronously, one round trip
/// per record, on the stream thread. Streamiz creates the changelog topics of the stores itself.
/// </summary>
/// <remarks>It gets the same low-latency client settings as the engine's aggregate stage (PollMs and fetch waits of
/// 1 ms, linger 0, commits every second) so that the comparison is between designs, not between settings.</remarks>
internal sealed class JoinChainDesign(PipelineSpec spec, string bootstrapServers, string redisEndpoint, string stateDir, int streamThreads, AckRecorder acks)
    : IBenchDesign
{
    /// <summary>The replaced design's own topics on the shared broker: the engine's names with this prefix.</summary>
    public const string TopicPrefix = "legacy.";

    public const string ApplicationId = "legacy.agent-state";

    private readonly ILoggerFactory _logs = Logs.Create(LogLevel.Warning, LogLevel.Error);
    private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IConnectionMultiplexer? _redis;
    private KafkaStream? _stream;

    public static string SourceTopic(SourceSpec source) => TopicPrefix + source.Topic;

    public static string DerivedTopic(PipelineSpec spec) => TopicPrefix + spec.Aggregate.OutputTopic;

    public async Task StartAsync(CancellationToken ct)
    {
        _redis = await RedisConnector.ConnectAsync(redisEndpoint);
        var writer = new SyncStateWriter(spec.State, _redis.GetDatabase(), acks);
        var config = new StreamConfig<StringSerDes, ByteArraySerDes>
        {
            ApplicationId = ApplicationId,
            BootstrapServers = bootstrapServers,
            PollMs = 1,
            FetchWaitMaxMs = 1,
            LingerMs = 0,
            CommitIntervalMs = 1000,
            Partitioner = KafkaClientDefaults.KeyPartitioner,
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            NumStreamThreads = streamThreads,
            StateDir = stateDir,
            Logger = new StreamizLoggerFactory(_logs),
        };
        _stream = new KafkaStream(Build(writer), config);
        _stream.StateChanged += (_, next) =>
        {
            if (next == KafkaStream.State.RUNNING) _running.TrySetResult();
            if (next == KafkaStream.State.ERROR) _running.TrySetException(new InvalidOperationException("the join-chain application entered ERROR"));
        };
        await _stream.StartAsync(ct);
        await _running.Task.WaitAsync(ct);
    }

    private Streamiz.Kafka.Net.Stream.Topology Build(SyncStateWriter writer)
    {
        var sources = spec.Aggregate.Sources.OrderByDescending(s => s.Primary).ToArray();
        if (sources.Length < 2) throw new InvalidOperationException("a join chain needs at least two sources");
        var aggregates = new JoinChainAggregates(spec.Aggregate.Limits);
        var builder = new StreamBuilder();
        var tables = sources.Select(source => builder
            .Stream<string, byte[], StringSerDes, ByteArraySerDes>(SourceTopic(source))
            // A DELETED event becomes the table's tombstone: the way a KTable forgets a key.
            .MapValues((value, context) => IsDeleted(context.Headers, source) ? null! : value, $"{source.Part}-op")
            .ToTable(RocksDb.As<string, byte[]>($"{source.Part}-table").WithKeySerdes(new StringSerDes()).WithValueSerdes(new ByteArraySerDes()),
                $"{source.Part}-to-table"))
            .ToArray();

        var joined = tables[0].LeftJoin(tables[1], (primary, other) => aggregates.Start(primary, sources[0], other, sources[1]),
            RocksDb.As<string, byte[]>($"{sources[0].Part}-{sources[1].Part}-join").WithKeySerdes(new StringSerDes()).WithValueSerdes(new ByteArraySerDes()),
            $"join-{sources[1].Part}");
        for (var i = 2; i < sources.Length; i++)
        {
            var source = sources[i];
            joined = joined.LeftJoin(tables[i], (aggregate, part) => aggregates.Add(aggregate, part, source));
        }
        joined.ToStream().To<StringSerDes, ByteArraySerDes>(DerivedTopic(spec));

        // The same application (the same consumer group) reads its derived topic back and writes Redis.
        builder.Stream<string, byte[], StringSerDes, ByteArraySerDes>(DerivedTopic(spec))
            .Foreach((key, value, context) => writer.Write(key, value, context.Timestamp), "write-redis");
        return builder.Build();
    }

    private static bool IsDeleted(Confluent.Kafka.Headers? headers, SourceSpec source) =>
        headers is not null && headers.TryGetLastBytes(source.OpHeader, out var op) && EventHeaders.TryDecode(op, out var decoded) && decoded == EventOp.Deleted;

    public async ValueTask DisposeAsync()
    {
        _stream?.Dispose();
        if (_redis is not null) await _redis.DisposeAsync();
        _logs.Dispose();
    }
}
