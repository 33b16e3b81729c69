using System.Security.Cryptography;
using System.Text;

namespace ContactCenter.Broker.Security;

/// <summary>
/// One connection's SASL exchange after SaslHandshake chose a mechanism: PLAIN (one message) or SCRAM-SHA-256/512
/// (RFC 5802 without channel binding: client-first, server-first, client-final, server-final with the server
/// signature). <see cref="Step"/> takes each SaslAuthenticate payload and returns the server's answer, or null
/// with <see cref="Failure"/> set.
/// </summary>
internal sealed class SaslSession(SaslUsers users, string mechanism)
{
    private enum State { First, ScramFinal, Done, Failed }

    private State _state = State.First;
    private ScramCredential? _credential;
    private bool _unknownUser;
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _nonce = "";

    public string Mechanism { get; } = mechanism;
    public bool IsAuthenticated => _state == State.Done;

    /// <summary>The user who authenticated or tried to (never the password), for the broker's log.</summary>
    public string? User { get; private set; }

    /// <summary>Why the exchange failed, in Kafka's words (sent to the client, safe to log).</summary>
    public string? Failure { get; private set; }

    public byte[]? Step(ReadOnlySpan<byte> message)
    {
        try
        {
            return (_state, Mechanism) switch
            {
                (State.First, "PLAIN") => Plain(message),
                (State.First, _) => ScramFirst(Encoding.UTF8.GetString(message)),
                (State.ScramFinal, _) => ScramFinal(Encoding.UTF8.GetString(message)),
                _ => Fail("Unexpected SASL message after the exchange ended."),
            };
        }
        catch (FormatException)
        {
            return Fail($"Malformed SASL {Mechanism} message.");
        }
    }

    private byte[]? Fail(string reason)
    {
        _state = State.Failed;
        Failure = reason;
        return null;
    }

    private byte[]? InvalidCredentials() =>
        Fail($"Authentication failed during authentication due to invalid credentials with SASL mechanism {Mechanism}");

    // authzid NUL authcid NUL password
    private byte[]? Plain(ReadOnlySpan<byte> message)
    {
        var parts = Encoding.UTF8.GetString(message).Split('\0');
        if (parts.Length != 3) throw new FormatException();
        User = parts[1];
        if (parts[0].Length > 0 && parts[0] != parts[1]) return Fail("Authentication failed: client requested an authorization id that is different from username");
        if (!users.CheckPlain(parts[1], parts[2])) return InvalidCredentials();
        _state = State.Done;
        return [];
    }

    private byte[] ScramFirst(string clientFirst)
    {
        // gs2 header: "n,," (no channel binding, no authzid) or "n,a=...,"
        if (!clientFirst.StartsWith("n,", StringComparison.Ordinal)) throw new FormatException();
        var bareStart = clientFirst.IndexOf(',', 2);
        if (bareStart < 0) throw new FormatException();
        _clientFirstBare = clientFirst[(bareStart + 1)..];
        var attributes = Attributes(_clientFirstBare);
        User = Unescape(attributes.GetValueOrDefault('n') ?? throw new FormatException());
        var clientNonce = attributes.GetValueOrDefault('r') ?? throw new FormatException();
        var hash = Mechanism == "SCRAM-SHA-512" ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        _credential = users.Scram(Mechanism, User);
        if (_credential is null)
        {
            // An unknown user gets a made-up salt and fails at the proof, as a wrong password does: no user probing.
            _unknownUser = true;
            _credential = ScramCredential.Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)), hash);
        }
        _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credential.Salt)},i={ScramCredential.Iterations}";
        _state = State.ScramFinal;
        return Encoding.UTF8.GetBytes(_serverFirst);
    }

    private byte[]? ScramFinal(string clientFinal)
    {
        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0) throw new FormatException();
        var withoutProof = clientFinal[..proofAt];
        var attributes = Attributes(withoutProof);
        if (attributes.GetValueOrDefault('r') != _nonce) return Fail("Invalid SCRAM nonce in the client's final message.");
        var proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        var credential = _credential!;
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var clientSignature = ScramCredential.Hmac(credential.Hash, credential.StoredKey, authMessage);
        if (proof.Length != clientSignature.Length) return InvalidCredentials();
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        if (_unknownUser || !CryptographicOperations.FixedTimeEquals(ScramCredential.HashOf(credential.Hash, clientKey), credential.StoredKey))
            return InvalidCredentials();
        _state = State.Done;
        var serverSignature = ScramCredential.Hmac(credential.Hash, credential.ServerKey, authMessage);
        return Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature));
    }

    private static Dictionary<char, string> Attributes(string message)
    {
        var result = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
        {
            if (part.Length < 2 || part[1] != '=') throw new FormatException();
            result[part[0]] = part[2..];
        }
        return result;
    }

    // saslname: "=2C" is ',' and "=3D" is '='
    private static string Unescape(string name) => name.Replace("=2C", ",", StringComparison.Ordinal).Replace("=3D", "=", StringComparison.Ordinal);
}
