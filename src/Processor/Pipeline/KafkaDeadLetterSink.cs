using System.Globalization;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Processor.Streams;
using ContactCenter.Processor.Pipeline;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// Sends rejected records to the dead-letter topic with the reason and origin in headers. Produce is asynchronous
/// (librdkafka's queue), so a stream thread never waits on it, and nothing here throws into the caller.
/// </summary>
/// <remarks>
/// The copy always fits: a record whose key, value and headers together exceed <see cref="MaxCopyBytes"/> (below the
/// producer's and a default broker's 1,000,000-byte limit) is copied with its key, the first
/// <see cref="TruncatedValueBytes"/> of its value and as many of its headers as fit, and carries
/// <c>cc-dlq-truncated: value</c> and its original size in <c>cc-dlq-size</c>. If the broker still refuses a copy as
/// too large (a topic with a smaller <c>max.message.bytes</c>), it is sent again without its value. Any other failure
/// is logged with the record's origin and counted in <see cref="Failed"/>: the stage goes on either way.
/// </remarks>
internal sealed class KafkaDeadLetterSink : IDeadLetterSink, IDisposable
{
    /// <summary>Largest key + value + headers copied whole.</summary>
    public const int MaxCopyBytes = 900_000;

    /// <summary>How much of a value too large to copy whole is kept.</summary>
    public const int TruncatedValueBytes = 16 * 1024;

    private const int MaxReasonBytes = 1024;
    private const int MaxTruncatedKeyBytes = 1024;
    private const int MaxTruncatedHeaderBytes = 16 * 1024;

    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly string _topic;
    private readonly ILogger _logger;
    private long _sent;
    private long _failed;

    public KafkaDeadLetterSink(string bootstrapServers, string topic, ILogger logger)
    {
        _topic = topic;
        _logger = logger;
        var config = KafkaClientDefaults.Producer(bootstrapServers);
        config.MessageMaxBytes = 1_000_000;
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
    }

    /// <summary>Dead letters the broker acknowledged.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Dead letters that could not be written at all (logged each).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    public void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, Headers? headers, string reason)
    {
        var origin = MergeStep.SourceOf(sourceTopic, partition, offset);
        try
        {
            Produce(Copy(key, value, headers, reason, origin), origin, retryWithoutValue: true);
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
                message = WithoutValue(message);
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
                Produce(WithoutValue(report.Message), origin, retryWithoutValue: false);
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

    private static Message<byte[]?, byte[]?> Copy(byte[]? key, byte[]? value, Headers? original, string reason, string origin)
    {
        var size = (key?.Length ?? 0) + (value?.Length ?? 0) + HeaderBytes(original);
        var whole = size <= MaxCopyBytes;
        var headers = new Headers();
        var headerBudget = whole ? int.MaxValue : MaxTruncatedHeaderBytes;
        if (original is not null)
        {
            foreach (var header in original)
            {
                var bytes = header.Key.Length + (header.GetValueBytes()?.Length ?? 0);
                if (bytes > headerBudget) continue;
                headerBudget -= bytes;
                headers.Add(header.Key, header.GetValueBytes());
            }
        }
        headers.Add(EventHeaders.DeadLetterReason, Bounded(reason));
        headers.Add(EventHeaders.DeadLetterSource, Encoding.UTF8.GetBytes(origin));
        headers.Add(EventHeaders.DeadLetterSize, Encoding.ASCII.GetBytes((value?.Length ?? -1).ToString(CultureInfo.InvariantCulture)));
        if (whole)
            return new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers };
        headers.Add(EventHeaders.DeadLetterTruncated, "value"u8.ToArray());
        return new Message<byte[]?, byte[]?>
        {
            Key = key is { Length: > MaxTruncatedKeyBytes } ? key[..MaxTruncatedKeyBytes] : key,
            Value = value is { Length: > TruncatedValueBytes } ? value[..TruncatedValueBytes] : value,
            Headers = headers,
        };
    }

    private static Message<byte[]?, byte[]?> WithoutValue(Message<byte[]?, byte[]?> message)
    {
        var headers = new Headers();
        foreach (var header in message.Headers)
        {
            if (header.Key.StartsWith("cc-dlq-", StringComparison.Ordinal)) headers.Add(header.Key, header.GetValueBytes());
        }
        if (!headers.TryGetLastBytes(EventHeaders.DeadLetterTruncated, out _))
            headers.Add(EventHeaders.DeadLetterTruncated, "value"u8.ToArray());
        var key = message.Key is { Length: > MaxTruncatedKeyBytes } k ? k[..MaxTruncatedKeyBytes] : message.Key;
        return new Message<byte[]?, byte[]?> { Key = key, Value = null, Headers = headers };
    }

    private static int HeaderBytes(Headers? headers)
    {
        if (headers is null) return 0;
        var total = 0;
        foreach (var header in headers) total += header.Key.Length + (header.GetValueBytes()?.Length ?? 0);
        return total;
    }

    private static byte[] Bounded(string reason)
    {
        var bytes = Encoding.UTF8.GetBytes(reason);
        return bytes.Length <= MaxReasonBytes ? bytes : bytes[..MaxReasonBytes];
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
