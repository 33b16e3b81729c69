namespace ContactCenter.Broker.Log;

/// <summary>
/// When the broker forces written data to the disk (<c>--fsync</c>; only with a data directory). Every mode hands
/// each write to the operating system before the producer is answered, so a killed process loses nothing; the modes
/// differ on a power cut or kernel crash.
/// </summary>
public enum FsyncMode
{
    /// <summary>Never fsync: the OS writes back when it likes (Kafka's default, which relies on replication). The default.</summary>
    Never,

    /// <summary>fsync every partition and the offset journal written to, every <see cref="KafkaBrokerOptions.FsyncInterval"/>: a power cut loses at most that much.</summary>
    Interval,

    /// <summary>fsync before a produce or commit is acknowledged: nothing acknowledged is lost, at the cost of a disk flush per request.</summary>
    Always,
}
