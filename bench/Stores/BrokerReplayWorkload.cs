using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// The changelog replay as a real restore does it: the changelog (one record per key, as compacted) lies on the
/// embedded native broker, and the timed part opens an empty store, fetches every record over TCP with a consumer
/// from the beginning of the partition and hands each fetched batch to the store's restore path. Producing the
/// changelog is not timed. <see cref="RecoveryWorkload.Replay"/> builds its batches in memory instead.
/// </summary>
internal static class BrokerReplayWorkload
{
    public static PhaseResult Replay(StoreKind kind, string directory, string name, int totalKeys, int valueBytes, int batchSize = 5000)
    {
        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        // The store's own changelog partition (topic and partition 0 of the task), so fetched records restore as they are.
        var changelog = BenchStore.ChangelogOf(name);
        broker.CreateTopic(changelog.Topic, changelog.Partition.Value + 1);
        using (var producer = new ProducerBuilder<byte[], byte[]>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < totalKeys; i++)
            {
                var message = new Message<byte[], byte[]> { Key = AgentRecords.Key(i), Value = AgentRecords.InitialValue(i, valueBytes) };
                while (true)
                {
                    try { producer.Produce(changelog, message); break; }
                    catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull) { producer.Poll(TimeSpan.FromMilliseconds(1)); }
                }
            }
            producer.Flush(TimeSpan.FromMinutes(2));
        }

        var latency = new Latency();
        var t0 = Stopwatch.GetTimestamp();
        using var store = BenchStore.Open(kind, directory, name, 0, totalKeys, valueBytes, logged: true);
        var config = KafkaClientDefaults.Consumer(broker.BootstrapServers, $"{name}-restore");
        config.EnableAutoCommit = false;
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        consumer.Assign(new TopicPartitionOffset(store.Changelog!, Offset.Beginning));
        var batch = new List<ConsumeResult<byte[], byte[]>>(batchSize);
        string? fallback = null;
        var restored = 0;
        var deadline = Stopwatch.StartNew();
        while (restored < totalKeys && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (consumer.Consume(100) is { IsPartitionEOF: false } record) batch.Add(record);
            if (batch.Count == batchSize || (batch.Count > 0 && restored + batch.Count == totalKeys))
            {
                var t = Stopwatch.GetTimestamp();
                fallback = RecoveryWorkload.Apply(store, store.Changelog!, batch, fallback);
                latency.Record(Stopwatch.GetTimestamp() - t);
                restored += batch.Count;
                batch.Clear();
            }
        }
        var seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        consumer.Close();
        var (good, sampled) = RecoveryWorkload.Verify(store.Store, totalKeys, i => i, _ => 1);
        var complete = good == sampled && restored == totalKeys;
        var note = $"{(fallback is null ? "Streamiz restore path" : $"PutAll batches ({fallback})")}, fetched from the native broker; latency per {batchSize}-record restore call"
            + (complete ? "" : $"; ONLY {restored:N0} fetched, {good}/{sampled} sampled keys present");
        return new PhaseResult(StoreReport.BrokerReplay, totalKeys, seconds, latency, note, complete);
    }
}
