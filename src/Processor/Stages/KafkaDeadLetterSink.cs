using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Processor.Stages;

/// <summary>
/// Sends rejected records to the dead-letter topic with the reason and origin in headers. Produce is asynchronous
/// (librdkafka's queue), so a stream thread never waits on it, and nothing here throws into the caller.
/// </summary>
/// <remarks>
/// The copy always fits (<see cref="DeadLetterCopy"/>). If the broker still refuses a copy as too large (a topic with a
/// smaller <c>max.message.bytes</c>), it is sent again without its value. Any other failure
/// is logged with the record's origin and counted in <see cref="Failed"/>: the stage goes on either way.
/// </remarks>
internal sealed class KafkaDeadLetterSink : IDeadLetterSink, IDisposable
{
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly string _topic;
    private readonly ILogger _logger;
    private long _sent;
    private long _failed;

    public KafkaDeadLetterSink(KafkaClientSettings kafka, string topic, ILogger logger)
    {
        _topic = topic;
        _logger = logger;
        var config = kafka.Producer("dead-letter");
        config.MessageMaxBytes = 1_000_000;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).LogTo(new KafkaClientLog(logger)).Build();
    }

    /// <summary>Dead letters the broker acknowledged.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Dead letters that could not be written at all (logged each).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Dead letters handed to this sink, by <see cref="DeadLetterReasons.Classify">reason class</see> (a bounded set).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, long> ByReasonClass { get; } = new(StringComparer.Ordinal);

    public void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, Headers? headers, string reason)
    {
        ByReasonClass.AddOrUpdate(DeadLetterReasons.Classify(reason), 1, static (_, n) => n + 1);
        var origin = MergeStep.SourceOf(sourceTopic, partition, offset);
        try
        {
            Produce(DeadLetterCopy.Of(key, value, headers, reason, origin), origin, retryWithoutValue: true);
        }
        catch (Exception ex)
        {
            // Never into the stage: the record is lost from the dead-letter topic, and that is said loudly.
            Interlocked.Increment(ref _failed);
            _logger.LogError(ex, "Dead letter for {Origin} could not be written to {Topic} (reason was: {Reason})", origin, _topic, reason);
        }
    }

    private void Produce(Message<byte[]?, byte[]?> message, string origin, bool retryWithoutValue)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _producer.Produce(_topic, message, report => OnDelivered(report, origin, retryWithoutValue));
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull && attempt < 100)
            {
                // The local queue is full: the broker is slow or away. Wait for room (back-pressure), never drop.
                _producer.Poll(TimeSpan.FromMilliseconds(100));
            }
            catch (ProduceException<byte[]?, byte[]?> ex) when (ex.Error.Code == ErrorCode.MsgSizeTooLarge && retryWithoutValue)
            {
                message = DeadLetterCopy.WithoutValue(message);
                retryWithoutValue = false;
            }
        }
    }

    private void OnDelivered(DeliveryReport<byte[]?, byte[]?> report, string origin, bool retryWithoutValue)
    {
        if (!report.Error.IsError)
        {
            Interlocked.Increment(ref _sent);
            return;
        }
        if (retryWithoutValue && report.Error.Code is ErrorCode.MsgSizeTooLarge)
        {
            try
            {
                Produce(DeadLetterCopy.WithoutValue(report.Message), origin, retryWithoutValue: false);
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Dead letter for {Origin}: sending it again without its value failed", origin);
            }
        }
        Interlocked.Increment(ref _failed);
        _logger.LogError("Dead letter for {Origin} was not written to {Topic}: {Error}", origin, _topic, report.Error.Reason);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
