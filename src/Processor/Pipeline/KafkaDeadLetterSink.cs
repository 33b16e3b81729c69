using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Streams;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Sends rejected records to the dead-letter topic with the reason and origin in headers. Produce is
/// asynchronous (librdkafka's queue), so a stream thread never waits on it.
/// </summary>
internal sealed class KafkaDeadLetterSink : IDeadLetterSink, IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly string _topic;
    private long _sent;

    public KafkaDeadLetterSink(string bootstrapServers, string topic)
    {
        _topic = topic;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(bootstrapServers)).Build();
    }

    public long Sent => Interlocked.Read(ref _sent);

    public void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, string reason)
    {
        var headers = new Headers
        {
            { EventHeaders.DeadLetterReason, Encoding.UTF8.GetBytes(reason) },
            { EventHeaders.DeadLetterSource, Encoding.UTF8.GetBytes(MergeStep.SourceOf(sourceTopic, partition, offset)) },
        };
        _producer.Produce(_topic, new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers }, report =>
        {
            if (report.Error.IsError)
            {
                Console.Error.WriteLine($"dead-letter produce failed for {sourceTopic}/{partition}@{offset}: {report.Error.Reason}");
            }
            else
            {
                Interlocked.Increment(ref _sent);
            }
        });
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
