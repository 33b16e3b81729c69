using System.Security.Cryptography.X509Certificates;
using ContactCenter.Broker.Security;

namespace ContactCenter.Broker;

/// <summary>Settings of the embedded Kafka-protocol broker (the defaults suit tests and the demo).</summary>
public sealed record KafkaBrokerOptions
{
    /// <summary>Create unknown topics when a producer's Metadata request allows it (Kafka's default: true).</summary>
    public bool AutoCreateTopics { get; init; } = true;

    /// <summary>Partitions of an auto-created topic (Kafka's <c>num.partitions</c>, 1 by default).</summary>
    public int DefaultPartitions { get; init; } = 1;

    /// <summary>Kafka's <c>group.initial.rebalance.delay.ms</c> (3 s on a real broker); 0 makes lone consumers fast.</summary>
    public TimeSpan InitialRebalanceDelay { get; init; } = TimeSpan.Zero;

    /// <summary>Smallest and largest session timeout a member may ask for (Kafka: 6 s and 30 min).</summary>
    public TimeSpan MinSessionTimeout { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxSessionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Largest request frame accepted; a bigger size prefix closes the connection (Kafka: socket.request.max.bytes).</summary>
    public int MaxRequestBytes { get; init; } = 100 * 1024 * 1024;

    /// <summary>
    /// Largest record batch a topic accepts unless its <c>max.message.bytes</c> says otherwise (Kafka's broker-level
    /// <c>message.max.bytes</c>, 1048588 by default).
    /// </summary>
    public int MessageMaxBytes { get; init; } = 1048588;

    /// <summary>
    /// Keep topics, their batches and committed offsets in this directory and load them at start (<c>--data-dir</c>);
    /// null (the default) keeps everything in memory.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// When data written to <see cref="DataDirectory"/> is forced to the disk (<c>--fsync</c>): never (the default,
    /// like Kafka, which relies on replication), every <see cref="FsyncInterval"/>, or before each acknowledgement.
    /// A killed process loses nothing in any mode; the modes differ on a power cut.
    /// </summary>
    public Log.FsyncMode Fsync { get; init; } = Log.FsyncMode.Never;

    /// <summary>How often <see cref="Log.FsyncMode.Interval"/> forces written data to the disk (Kafka's <c>log.flush.interval.ms</c>).</summary>
    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest <c>transaction.timeout.ms</c> a transactional producer may ask for (Kafka's
    /// <c>transaction.max.timeout.ms</c>, 15 minutes); a longer one gets INVALID_TRANSACTION_TIMEOUT.
    /// </summary>
    public TimeSpan MaxTransactionTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often retention, session expiry and transaction timeouts are checked.</summary>
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// One entry per broker (broker 1 first): its port (0: a free one) and protocol. Null: every broker PLAINTEXT on
    /// a free port. Fixed ports let a restarted broker process come back where its clients expect it.
    /// </summary>
    public IReadOnlyList<BrokerListenerOptions>? Listeners { get; init; }

    /// <summary>The server certificate (with its private key) of SSL and SASL_SSL listeners.</summary>
    public X509Certificate2? TlsCertificate { get; init; }

    /// <summary>User name to password for SASL listeners (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512). Only salted SCRAM
    /// credentials and a hash for PLAIN are kept once the broker started; nothing of them is ever logged.</summary>
    public IReadOnlyDictionary<string, string>? SaslUsers { get; init; }

    /// <summary>The SASL mechanisms SASL listeners accept (Kafka's <c>sasl.enabled.mechanisms</c>): any of PLAIN,
    /// SCRAM-SHA-256, SCRAM-SHA-512. Null: all three.</summary>
    public IReadOnlyList<string>? SaslMechanisms { get; init; }

    /// <summary>Every SASL mechanism the broker can serve.</summary>
    public static IReadOnlyList<string> SupportedSaslMechanisms => Security.SaslUsers.Mechanisms;

    /// <summary>Throws <see cref="ArgumentException"/> when these options cannot run <paramref name="brokers"/> brokers.</summary>
    public void Validate(int brokers)
    {
        if (SaslMechanisms is { } mechanisms)
        {
            if (mechanisms.Count == 0) throw new ArgumentException("SaslMechanisms lists no mechanism.", nameof(SaslMechanisms));
            if (mechanisms.FirstOrDefault(m => !Security.SaslUsers.Mechanisms.Contains(m)) is { } unknown)
                throw new ArgumentException($"SASL mechanism '{unknown}' is not served; choose from {string.Join(", ", Security.SaslUsers.Mechanisms)}.", nameof(SaslMechanisms));
        }
        if (Listeners is null) return;
        if (Listeners.Count != brokers)
            throw new ArgumentException($"{Listeners.Count} listener(s) given for {brokers} broker(s): give one per broker.", nameof(Listeners));
        if (Listeners.Any(l => l.Port is < 0 or > 65535)) throw new ArgumentException("Listener ports are 0 (any free) to 65535.", nameof(Listeners));
        var fixedPorts = Listeners.Where(l => l.Port != 0).Select(l => l.Port).ToList();
        if (fixedPorts.Count != fixedPorts.Distinct().Count()) throw new ArgumentException("Two brokers cannot listen on the same port.", nameof(Listeners));
        if (Listeners.Any(l => l.UsesTls) && TlsCertificate is not { HasPrivateKey: true })
            throw new ArgumentException("SSL and SASL_SSL listeners need TlsCertificate, with its private key.", nameof(TlsCertificate));
        if (Listeners.Any(l => l.UsesSasl) && (SaslUsers is null || SaslUsers.Count == 0))
            throw new ArgumentException("SASL listeners need at least one user in SaslUsers.", nameof(SaslUsers));
    }
}
