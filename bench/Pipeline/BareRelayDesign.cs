using System.Threading.Channels;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Bench.Pipeline;

/// <summary>
/// The physical floor of the pipeline on this machine, measured in the same run as the designs it calibrates: the same
/// records read from the three sources (their own copies, <see cref="TopicPrefix"/>), forwarded unchanged to one topic,
/// read again by a second consumer group and written to Redis with a plain pipelined <c>HSET key v value</c>. No merge,
/// no store, no fence, no decoding: what is left is the Kafka client's consume and produce, two hops through the
/// broker and a pipelined Redis write, which every design pays. Same client settings as the engine's stages.
/// </summary>
internal sealed class BareRelayDesign(PipelineSpec spec, string bootstrapServers, string redisEndpoint, AckRecorder acks) : IBenchDesign
{
    public const string TopicPrefix = "bare.";

    /// <summary>Writes sent to Redis in one pipeline at most (the engine's writer batch).</summary>
    private const int MaxBatch = 256;

    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<(byte[] Key, byte[] Value, long TimestampMs)> _toRedis =
        Channel.CreateBounded<(byte[], byte[], long)>(new BoundedChannelOptions(10_000) { SingleReader = true, SingleWriter = true });
    private IConnectionMultiplexer? _redis;
    private readonly List<Task> _loops = [];

    public static string SourceTopic(SourceSpec source) => TopicPrefix + source.Topic;

    public static string RelayTopic(PipelineSpec spec) => TopicPrefix + spec.Aggregate.OutputTopic;

    public async Task StartAsync(CancellationToken ct)
    {
        _redis = await RedisConnector.ConnectAsync(redisEndpoint);
        var forwarding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _loops.Add(Task.Factory.StartNew(() => Forward(forwarding), TaskCreationOptions.LongRunning));
        _loops.Add(Task.Factory.StartNew(() => ReadRelay(reading), TaskCreationOptions.LongRunning));
        _loops.Add(Task.Run(WriteRedisAsync));
        await Task.WhenAll(forwarding.Task, reading.Task).WaitAsync(ct);
    }

    private IConsumer<byte[]?, byte[]?> Consumer(string group, TaskCompletionSource assigned)
    {
        var config = KafkaClientDefaults.Consumer(bootstrapServers, group);
        config.FetchWaitMaxMs = KafkaClientDefaults.StageFetchWaitMaxMs; // as the engine's stages
        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((_, _) => assigned.TrySetResult())
            .Build();
    }

    /// <summary>Stage one: sources to the relay topic, records unchanged (key, value, timestamp; headers dropped).</summary>
    private void Forward(TaskCompletionSource assigned)
    {
        using var consumer = Consumer("bare.relay-in", assigned);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(bootstrapServers)).Build();
        consumer.Subscribe(spec.Aggregate.Sources.Select(SourceTopic));
        var relay = RelayTopic(spec);
        while (!_stop.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null || result.IsPartitionEOF) continue;
            var message = new Message<byte[]?, byte[]?> { Key = result.Message.Key, Value = result.Message.Value, Timestamp = result.Message.Timestamp };
            while (true)
            {
                try
                {
                    producer.Produce(relay, message);
                    break;
                }
                catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1));
                }
            }
        }
        producer.Flush(TimeSpan.FromSeconds(10));
        consumer.Close();
    }

    /// <summary>Stage two: the relay topic to the Redis writer's queue.</summary>
    private void ReadRelay(TaskCompletionSource assigned)
    {
        using var consumer = Consumer("bare.relay-out", assigned);
        consumer.Subscribe(RelayTopic(spec));
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is null || result.IsPartitionEOF) continue;
                var item = (result.Message.Key ?? [], result.Message.Value ?? [], result.Message.Timestamp.UnixTimestampMs);
                while (!_toRedis.Writer.TryWrite(item))
                    _toRedis.Writer.WaitToWriteAsync(_stop.Token).AsTask().GetAwaiter().GetResult(); // backpressure on this dedicated thread
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        consumer.Close();
    }

    /// <summary>Batches of up to <see cref="MaxBatch"/> HSETs, pipelined; acknowledged once Redis answered the batch.</summary>
    private async Task WriteRedisAsync()
    {
        var db = _redis!.GetDatabase();
        var batch = new List<(byte[] Key, byte[] Value, long TimestampMs)>(MaxBatch);
        var sent = new Task[MaxBatch];
        var field = (RedisValue)"v";
        var prefix = "bare:"u8.ToArray();
        try
        {
            while (await _toRedis.Reader.WaitToReadAsync(_stop.Token))
            {
                while (batch.Count < MaxBatch && _toRedis.Reader.TryRead(out var item)) batch.Add(item);
                var pipeline = db.CreateBatch();
                for (var i = 0; i < batch.Count; i++)
                    sent[i] = pipeline.HashSetAsync((RedisKey)prefix.Concat(batch[i].Key).ToArray(), field, batch[i].Value);
                pipeline.Execute();
                await Task.WhenAll(sent.AsSpan(0, batch.Count).ToArray());
                acks.Record(batch, b => b.TimestampMs);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { /* the worker exits anyway */ }
        if (_redis is not null) await _redis.DisposeAsync();
        _stop.Dispose();
    }
}
