using System.Security.Cryptography;

namespace ContactCenter.Broker.Security;

/// <summary>
/// The users a SASL listener accepts. PLAIN compares against a SHA-256 of the password (constant time); SCRAM uses
/// salted credentials per mechanism. The passwords themselves are dropped once these are built.
/// </summary>
internal sealed class SaslUsers
{
    public static readonly IReadOnlyList<string> Mechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

    private readonly Dictionary<string, byte[]> _plain = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScramCredential> _sha256 = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ScramCredential> _sha512 = new(StringComparer.Ordinal);

    public SaslUsers(IReadOnlyDictionary<string, string> passwords)
    {
        foreach (var (user, password) in passwords)
        {
            _plain[user] = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(password));
            _sha256[user] = ScramCredential.Create(password, HashAlgorithmName.SHA256);
            _sha512[user] = ScramCredential.Create(password, HashAlgorithmName.SHA512);
        }
    }

    public bool CheckPlain(string user, string password) =>
        _plain.TryGetValue(user, out var expected) &&
        CryptographicOperations.FixedTimeEquals(expected, SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(password)));

    public ScramCredential? Scram(string mechanism, string user) => mechanism switch
    {
        "SCRAM-SHA-256" => _sha256.GetValueOrDefault(user),
        "SCRAM-SHA-512" => _sha512.GetValueOrDefault(user),
        _ => null,
    };
}
