namespace ContactCenter.Topology.Streams;

/// <summary>
/// Where rejected records go. Implementations must not block the caller (a stream thread): they hand the
/// record to an asynchronous producer and return.
/// </summary>
public interface IDeadLetterSink
{
    /// <param name="sourceTopic">Topic the record was read from.</param>
    /// <param name="partition">Partition it was read from.</param>
    /// <param name="offset">Offset it was read from.</param>
    /// <param name="key">Original key bytes (may be null).</param>
    /// <param name="value">Original value bytes (may be null).</param>
    /// <param name="reason">Why it was rejected, for people.</param>
    void Send(string sourceTopic, int partition, long offset, byte[]? key, byte[]? value, string reason);
}
