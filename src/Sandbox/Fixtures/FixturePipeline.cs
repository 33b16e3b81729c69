using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Streams;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Sandbox.Fixtures;

/// <summary>A record on a fixture's topic, as written or as the run produced it.</summary>
internal sealed class SimRecord
{
    public required string Topic { get; init; }
    public string? Key { get; init; }
    public byte[]? Value { get; init; }
    public List<KeyValuePair<string, string>> Headers { get; init; } = [];
    public int Partition { get; set; }
    public long Offset { get; set; }

    public string? Header(string name) => Headers.FindLast(h => h.Key == name) is { Key: not null } h ? h.Value : null;
}

/// <summary>
/// Runs a fixture through the code a pod runs, without a broker: the aggregate stage is the real Streamiz topology
/// (<see cref="AggregateTopologyBuilder"/>: the real processor and store) under Streamiz's
/// <see cref="TopologyTestDriver"/>, and the state stage is the real <see cref="StateRecordProcessor"/> writing through
/// the real <see cref="FencedStateWriter"/> and its Lua fence into an embedded Garnet started for this fixture alone.
/// What stays here is what a broker would do: partitions (murmur2 on the key, as every producer of ours), offsets,
/// and handing each derived record to the state stage.
/// </summary>
internal sealed class FixturePipeline : IAsyncDisposable, IDeadLetterSink
{
    private readonly PipelineSpec _spec;
    private readonly IReadOnlyDictionary<string, int> _partitions;
    private readonly EmbeddedGarnet _garnet;
    private readonly IConnectionMultiplexer _redis;
    private readonly string _stateDir;
    private readonly TopologyTestDriver _driver;
    private readonly Dictionary<string, TestInputTopic<byte[], byte[]>> _inputs = new(StringComparer.Ordinal);
    private readonly TestOutputTopic<byte[], byte[]> _output;
    private readonly FencedStateWriter _writer;
    private readonly StateRecordProcessor _state;
    private readonly Dictionary<(string Topic, int Partition), long> _nextOffset = [];
    private readonly object _gate = new();
    private SimRecord? _piped; // the record Streamiz is processing: the driver numbers every input on partition 0

    private FixturePipeline(PipelineSpec spec, IReadOnlyDictionary<string, int> partitions, EmbeddedGarnet garnet, IConnectionMultiplexer redis)
    {
        _spec = spec;
        _partitions = partitions;
        _garnet = garnet;
        _redis = redis;
        _stateDir = Directory.CreateTempSubdirectory("cc-fixture-").FullName;

        var aggregate = spec.Aggregate;
        var store = AggregateStores.Create(StoreKind.Faster, aggregate.StoreName, AggregateStoreOptions.For(_stateDir));
        var topology = AggregateTopologyBuilder.Build(aggregate, store, this, new StageCounters(), partitions: null);
        var config = new StreamConfig<ByteArraySerDes, ByteArraySerDes>
        {
            ApplicationId = aggregate.ApplicationId,
            StateDir = _stateDir,
            Logger = NullLoggerFactory.Instance,
        };
        _driver = new TopologyTestDriver(topology, config);
        foreach (var source in aggregate.Sources)
            _inputs[source.Topic] = _driver.CreateInputTopic(source.Topic, new ByteArraySerDes(), new ByteArraySerDes());
        _output = _driver.CreateOutputTopic(aggregate.OutputTopic, TimeSpan.Zero, new ByteArraySerDes(), new ByteArraySerDes());

        var db = redis.GetDatabase();
        var processors = new RecordProcessorChain(spec.State.Processors, new RedisDedupStore(db, spec.State.Name, NullLogger.Instance, CancellationToken.None));
        _state = new StateRecordProcessor(spec.State, processors, this, new StageCounters());
        _writer = new FencedStateWriter(redis, spec.State.Name, new FencedWriterOptions { OffsetsKeyPrefix = RedisKeyspace.OffsetsPrefix, Upkeep = StageUpkeep.For(spec.State) });
        _writer.Acknowledged += _state.OnAcknowledged;
        _windows = new FixtureWindows(spec.Windows, db, _stateDir);
    }

    private readonly FixtureWindows _windows;

    /// <summary>Starts a fixture's own Garnet and the stages of <paramref name="spec"/>.</summary>
    public static async Task<FixturePipeline> StartAsync(PipelineSpec spec, IReadOnlyDictionary<string, int> partitionsByTopic)
    {
        var garnet = EmbeddedGarnet.Start();
        try
        {
            var redis = await RedisConnector.ConnectAsync(garnet.Endpoint).ConfigureAwait(false);
            return new FixturePipeline(spec, partitionsByTopic, garnet, redis);
        }
        catch
        {
            garnet.Dispose();
            throw;
        }
    }

    /// <summary>Every record written to each topic, in the order written (input records included).</summary>
    public Dictionary<string, List<SimRecord>> Topics { get; } = new(StringComparer.Ordinal);

    /// <summary>The agent hash at <paramref name="key"/> without its fence fields, or null when there is none.</summary>
    public async Task<List<KeyValuePair<string, string>>?> ReadHashAsync(string key)
    {
        // A window's hash is read whole: its per-partition counts and offsets are what it promises.
        if (_spec.Windows.Any(w => ContactCenter.Topology.Files.FixtureValidator.MatchesWindow(w.KeyPattern, key)))
        {
            var entries = await _redis.GetDatabase().HashGetAllAsync(key).ConfigureAwait(false);
            return entries.Length == 0 ? null : entries.Select(e => new KeyValuePair<string, string>(e.Name!, e.Value!)).ToList();
        }
        return await RedisStateReader.ReadHashAsync(_redis.GetDatabase(), key).ConfigureAwait(false) is { } hash ? [.. hash] : null;
    }

    private int PartitionsOf(string topic) => _partitions.TryGetValue(topic, out var p) ? p : 1;

    private int PartitionFor(byte[]? key, string topic) => key is null ? 0 : KeyPartition.Of(key, PartitionsOf(topic));

    /// <summary>Puts a record on its topic (unless it re-delivers an offset already there) and runs it through every stage it reaches.</summary>
    public async Task ProduceAsync(SimRecord record, int? partition, long? offset)
    {
        var key = record.Key is null ? null : Encoding.UTF8.GetBytes(record.Key);
        record.Partition = partition ?? PartitionFor(key, record.Topic);
        var next = _nextOffset.GetValueOrDefault((record.Topic, record.Partition));
        if (offset is { } given && given < next)
            record.Offset = given; // a redelivery of a record already on the log
        else
        {
            record.Offset = offset ?? next;
            Append(record);
        }
        await DeliverAsync(record, key).ConfigureAwait(false);
    }

    private async Task DeliverAsync(SimRecord record, byte[]? key)
    {
        if (_inputs.TryGetValue(record.Topic, out var input))
        {
            // The driver puts every record on partition 0, so the merge cannot check co-partitioning: the fixture's
            // partition is checked here by the same rule, with the same dead letter.
            var source = _spec.Aggregate.Sources.First(s => s.Topic == record.Topic);
            if (ContactCenter.Topology.Aggregation.PartitionCheck.Check(source, key, key is not null, record.Partition) is { } wrongPartition)
            {
                ((IDeadLetterSink)this).Send(record.Topic, record.Partition, record.Offset, key, record.Value, ToHeaders(record.Headers), wrongPartition);
                return;
            }
            // Streamiz processes the record synchronously: dead letters arrive through Send, outputs on the output topic.
            _piped = record;
            input.PipeInput(key!, record.Value!, DateTime.UtcNow, ToHeaders(record.Headers));
            _piped = null;
            foreach (var output in _output.ReadKeyValueList())
            {
                var emitted = Emit(_spec.Aggregate.OutputTopic, output.Message.Key, output.Message.Value, FromHeaders(output.Message.Headers));
                await DeliverAsync(emitted, output.Message.Key).ConfigureAwait(false);
            }
        }
        await _windows.DeliverAsync(record.Topic, record.Partition, record.Offset, key, record.Value, ToHeaders(record.Headers),
            (topic, partition, k, v, h) => EmitOn(topic, partition, k, v, FromHeaders(h))).ConfigureAwait(false);
        if (record.Topic == _spec.State.InputTopic)
        {
            var write = await _state.ToWriteAsync(new StateInput(record.Topic, record.Partition, record.Offset, key, record.Value,
                ToHeaders(record.Headers), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            if (write is not null)
            {
                await _writer.WriteAsync(write).ConfigureAwait(false);
                await _writer.FlushAsync().ConfigureAwait(false); // one at a time: dead letters keep the input order
            }
        }
    }

    /// <summary>The dead-letter sink of both stages: the same copy a pod's sink produces, on the fixture's topic.</summary>
    void IDeadLetterSink.Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, Headers? headers, string reason)
    {
        var stage = sourceTopic == _spec.State.InputTopic ? _spec.State.DeadLetterTopic : _spec.Aggregate.DeadLetterTopic;
        if (_piped is { } piped && piped.Topic == sourceTopic)
            (partition, offset) = (piped.Partition, piped.Offset);
        var copy = DeadLetterCopy.Of(key, value, headers, reason, ContactCenter.Topology.Aggregation.MergeStep.SourceOf(sourceTopic, partition, offset));
        Emit(stage, copy.Key, copy.Value, FromHeaders(copy.Headers));
    }

    /// <summary><see cref="Emit"/> on a given partition (a changelog partition is its input's), or the key's when negative.</summary>
    private void EmitOn(string topic, int partition, byte[]? key, byte[]? value, List<KeyValuePair<string, string>> headers)
    {
        var record = Emit(topic, key, value, headers);
        if (partition < 0 || partition == record.Partition) return;
        lock (_gate)
        {
            Topics[topic].Remove(record);
            record.Partition = partition;
            record.Offset = _nextOffset.GetValueOrDefault((topic, partition));
            Append(record);
        }
    }

    private SimRecord Emit(string topic, byte[]? key, byte[]? value, List<KeyValuePair<string, string>> headers)
    {
        var record = new SimRecord
        {
            Topic = topic, Key = key is null ? null : Encoding.UTF8.GetString(key), Value = value, Headers = headers,
            Partition = PartitionFor(key, topic),
        };
        lock (_gate)
        {
            record.Offset = _nextOffset.GetValueOrDefault((topic, record.Partition));
            Append(record);
        }
        return record;
    }

    private void Append(SimRecord record)
    {
        lock (_gate)
        {
            if (!Topics.TryGetValue(record.Topic, out var log)) Topics[record.Topic] = log = [];
            log.Add(record);
            var slot = (record.Topic, record.Partition);
            _nextOffset[slot] = Math.Max(_nextOffset.GetValueOrDefault(slot), record.Offset + 1);
        }
    }

    private static Headers ToHeaders(List<KeyValuePair<string, string>> headers)
    {
        var result = new Headers();
        foreach (var (name, value) in headers) result.Add(name, Encoding.UTF8.GetBytes(value));
        return result;
    }

    private static List<KeyValuePair<string, string>> FromHeaders(Headers? headers) =>
        headers is null ? [] : headers.Select(h => new KeyValuePair<string, string>(h.Key, Encoding.UTF8.GetString(h.GetValueBytes() ?? []))).ToList();

    public async ValueTask DisposeAsync()
    {
        _windows.Dispose();
        await _writer.DisposeAsync().ConfigureAwait(false);
        try
        {
            _driver.Dispose();
        }
        catch (IOException)
        {
            // The driver deletes its task folder after the stores closed; the FASTER store already removed what it
            // owned there, so the folder can be gone. The whole state folder is deleted below anyway.
        }
        await _redis.DisposeAsync().ConfigureAwait(false);
        _garnet.Dispose();
        try { Directory.Delete(_stateDir, recursive: true); }
        catch (IOException) { /* a temp folder left behind is harmless */ }
    }
}
