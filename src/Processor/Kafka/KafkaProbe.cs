using Confluent.Kafka;

namespace ContactCenter.Processor.Kafka;

/// <summary>What one bounded metadata request to a cluster found.</summary>
/// <param name="Reached">The cluster answered.</param>
/// <param name="AuthenticationFailed">The cluster answered and refused the credentials (SASL) or the TLS handshake.</param>
/// <param name="Detail">The client's own words for what went wrong (never a secret), or null when reached.</param>
internal sealed record KafkaProbeResult(bool Reached, bool AuthenticationFailed, string? Detail);

/// <summary>
/// Asks a cluster for its metadata once, within a bound and without librdkafka's reconnect log: the first contact of a
/// verb (<see cref="Operations.Reachability"/>) and of a pod, which stops at once on refused credentials instead of
/// retrying them for ever.
/// </summary>
internal static class KafkaProbe
{
    public static async Task<KafkaProbeResult> RunAsync(KafkaClientSettings kafka, TimeSpan timeout, CancellationToken ct = default)
    {
        Error? lastError = null;
        using var admin = new AdminClientBuilder(kafka.Admin("probe"))
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, error) => lastError = error)
            .Build();
        try
        {
            // GetMetadata blocks; it runs off the caller's thread and is bounded by its own timeout.
            var metadata = await Task.Run(() => admin.GetMetadata(timeout), ct).ConfigureAwait(false);
            if (metadata.Brokers.Count > 0) return new KafkaProbeResult(true, false, null);
            return new KafkaProbeResult(false, IsAuthentication(lastError), lastError?.Reason ?? "no broker in the metadata");
        }
        catch (KafkaException error)
        {
            var cause = lastError ?? error.Error;
            return new KafkaProbeResult(false, IsAuthentication(cause), cause.Reason);
        }
    }

    private static bool IsAuthentication(Error? error) =>
        error is not null && (error.Code is ErrorCode.SaslAuthenticationFailed or ErrorCode.Local_Authentication or ErrorCode.Local_Ssl
            || error.Reason.Contains("Authentication failed", StringComparison.OrdinalIgnoreCase));
}
