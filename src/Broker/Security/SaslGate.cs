using ContactCenter.Broker.Protocol;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Broker.Security;

/// <summary>
/// The SASL door of one connection on a SASL listener: before authentication only ApiVersions (left to the
/// dispatcher), SaslHandshake v1 and SaslAuthenticate v0-1 pass; anything else closes the connection, as Kafka does.
/// A failed authentication is answered with SASL_AUTHENTICATION_FAILED and its reason, then the connection closes.
/// Only the user name and the mechanism are logged, never a password or a SCRAM message.
/// </summary>
internal sealed class SaslGate(SaslUsers users, ILogger logger, int brokerId, string clientHost)
{
    private SaslSession? _session;
    private bool _handshakeDone;

    /// <summary>Set when the response just produced must be the connection's last.</summary>
    public bool CloseAfterResponse { get; private set; }

    /// <summary>
    /// True when this gate answers the frame (SASL APIs); throws <see cref="CloseConnectionException"/> when the client
    /// sends anything else but ApiVersions before it authenticated.
    /// </summary>
    public bool Intercepts(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 2) return false;
        var api = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(frame);
        if (api is ApiKey.SaslHandshake or ApiKey.SaslAuthenticate) return true;
        if (api == ApiKey.ApiVersions || _session?.IsAuthenticated == true) return false;
        throw new CloseConnectionException($"API {api} before SASL authentication");
    }

    public KafkaWriter Handle(ReadOnlyMemory<byte> frame)
    {
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(reader);
        if (!ApiKey.IsSupported(header.ApiKey, header.ApiVersion))
            throw new MalformedRequestException($"unsupported API {header.ApiKey} v{header.ApiVersion}");
        var response = new KafkaWriter();
        response.Int32(header.CorrelationId);
        if (header.ApiKey == ApiKey.SaslHandshake) Handshake(reader, response);
        else Authenticate(header.ApiVersion, reader, response);
        return response;
    }

    private void Handshake(KafkaReader request, KafkaWriter response)
    {
        var mechanism = request.String();
        short error = ErrorCode.None;
        if (_handshakeDone) error = ErrorCode.IllegalSaslState;
        else if (!users.Enabled.Contains(mechanism)) error = ErrorCode.UnsupportedSaslMechanism;
        else
        {
            _session = new SaslSession(users, mechanism);
            _handshakeDone = true;
        }
        CloseAfterResponse = error != ErrorCode.None;
        response.Int16(error).Array(users.Enabled, (w, m) => w.String(m));
    }

    private void Authenticate(short version, KafkaReader request, KafkaWriter response)
    {
        var bytes = request.Bytes();
        if (_session is null || _session.IsAuthenticated)
        {
            CloseAfterResponse = true;
            response.Int16(ErrorCode.IllegalSaslState).String("SaslAuthenticate before SaslHandshake or after authentication.").Bytes([]);
        }
        else if (_session.Step(bytes.Span) is { } answer)
        {
            if (_session.IsAuthenticated)
                logger.LogDebug("Broker {Broker}: {User} authenticated with {Mechanism} from {Host}", brokerId, _session.User, _session.Mechanism, clientHost);
            response.Int16(ErrorCode.None).String(null).Bytes(answer);
        }
        else
        {
            CloseAfterResponse = true;
            logger.LogWarning("Broker {Broker}: SASL {Mechanism} authentication of {User} from {Host} failed: {Reason}",
                brokerId, _session.Mechanism, _session.User ?? "?", clientHost, _session.Failure);
            response.Int16(ErrorCode.SaslAuthenticationFailed).String(_session.Failure).Bytes([]);
        }
        if (version >= 1) response.Int64(0); // session lifetime: no re-authentication asked
    }
}
