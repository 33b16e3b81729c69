using Confluent.Kafka;
using Streamiz.Kafka.Net;

namespace ContactCenter.Processor.Kafka;

/// <summary>
/// How every Kafka client of the process authenticates and encrypts: librdkafka's <c>security.protocol</c>,
/// <c>sasl.mechanism</c>, <c>sasl.username</c>, <c>sasl.password</c> and <c>ssl.ca.location</c>. The password is held
/// here only; <see cref="ToString"/> never shows it.
/// </summary>
internal sealed record KafkaSecurity(string? Protocol, string? Mechanism, string? Username, string? Password, string? CaLocation)
{
    public static readonly KafkaSecurity None = new(null, null, null, null, null);

    public void Apply(ClientConfig config)
    {
        if (Protocol is not null) config.SecurityProtocol = ParseEnum<SecurityProtocol>(Protocol, "security.protocol");
        if (Mechanism is not null) config.SaslMechanism = ParseEnum<SaslMechanism>(Mechanism, "sasl.mechanism");
        if (Username is not null) config.SaslUsername = Username;
        if (Password is not null) config.SaslPassword = Password;
        if (CaLocation is not null) config.SslCaLocation = CaLocation;
    }

    public void Apply(StreamConfig config)
    {
        if (Protocol is not null) config.SecurityProtocol = ParseEnum<SecurityProtocol>(Protocol, "security.protocol");
        if (Mechanism is not null) config.SaslMechanism = ParseEnum<SaslMechanism>(Mechanism, "sasl.mechanism");
        if (Username is not null) config.SaslUsername = Username;
        if (Password is not null) config.SaslPassword = Password;
        if (CaLocation is not null) config.SslCaLocation = CaLocation;
    }

    /// <summary>Accepts librdkafka's spelling (<c>sasl_ssl</c>, <c>SCRAM-SHA-512</c>) as well as the enum names.</summary>
    internal static T ParseEnum<T>(string text, string key) where T : struct, Enum
    {
        var plain = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return Enum.TryParse<T>(plain, ignoreCase: true, out var value)
            ? value
            : throw new FormatException($"{key} '{text}' is not one of {string.Join(", ", Enum.GetNames<T>())}");
    }

    public override string ToString() =>
        $"security.protocol={Protocol ?? "plaintext"}, sasl.mechanism={Mechanism ?? "-"}, sasl.username={Username ?? "-"}, sasl.password={(Password is null ? "-" : "***")}, ssl.ca.location={CaLocation ?? "-"}";
}
