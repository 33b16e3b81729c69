using Confluent.Kafka;

namespace ContactCenter.Tests.Processor.Kafka;

/// <summary>Bounded consume helpers: every loop ends at a deadline so a broken broker fails a test, not the run.</summary>
internal static class KafkaTestClient
{
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Consumes until <paramref name="count"/> records arrived or the deadline passed (then throws).</summary>
    public static List<ConsumeResult<TKey, TValue>> ConsumeExactly<TKey, TValue>(
        IConsumer<TKey, TValue> consumer, int count, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        var results = new List<ConsumeResult<TKey, TValue>>(count);
        while (results.Count < count)
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"Consumed {results.Count} of {count} records before the deadline.");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is not null && !result.IsPartitionEOF) results.Add(result);
        }
        return results;
    }

    /// <summary>Produces and waits for each delivery report, so the records are on the broker when this returns.</summary>
    public static async Task<List<DeliveryResult<TKey, TValue>>> ProduceAllAsync<TKey, TValue>(
        IProducer<TKey, TValue> producer, string topic, IEnumerable<Message<TKey, TValue>> messages)
    {
        var tasks = messages.Select(m => producer.ProduceAsync(topic, m)).ToList();
        return [.. await Task.WhenAll(tasks).WaitAsync(DefaultDeadline)];
    }
}
