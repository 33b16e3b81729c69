using Confluent.Kafka;

namespace ContactCenter.Processor.Stages;

/// <summary>
/// Where rejected records go. Implementations must not block the caller (a stream thread) and must never throw:
/// a record that cannot be copied whole is copied in part, and a sink that cannot write at all reports it itself.
/// </summary>
internal interface IDeadLetterSink
{
    /// <param name="sourceTopic">Topic the record was read from.</param>
    /// <param name="partition">Partition it was read from.</param>
    /// <param name="offset">Offset it was read from.</param>
    /// <param name="key">Original key bytes (may be null).</param>
    /// <param name="value">Original value bytes (may be null).</param>
    /// <param name="headers">Original headers (may be null); copied as far as they fit.</param>
    /// <param name="reason">Why it was rejected, for people.</param>
    void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, Headers? headers, string reason);
}
