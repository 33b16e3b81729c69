namespace ContactCenter.Broker.Security;

/// <summary>What a broker's listener speaks, by Kafka's <c>security.protocol</c> names.</summary>
public enum ListenerProtocol
{
    /// <summary>PLAINTEXT: no TLS, no authentication (the default).</summary>
    Plaintext,

    /// <summary>SSL: TLS with <see cref="KafkaBrokerOptions.TlsCertificate"/>, no client authentication.</summary>
    Ssl,

    /// <summary>SASL_PLAINTEXT: SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) against <see cref="KafkaBrokerOptions.SaslUsers"/>, no TLS.</summary>
    SaslPlaintext,

    /// <summary>SASL_SSL: TLS, then SASL.</summary>
    SaslSsl,
}

/// <summary>Where and how one broker listens: <see cref="Port"/> 0 picks a free loopback port.</summary>
public sealed record BrokerListenerOptions(int Port = 0, ListenerProtocol Protocol = ListenerProtocol.Plaintext)
{
    public bool UsesTls => Protocol is ListenerProtocol.Ssl or ListenerProtocol.SaslSsl;
    public bool UsesSasl => Protocol is ListenerProtocol.SaslPlaintext or ListenerProtocol.SaslSsl;
}
