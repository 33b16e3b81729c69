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

    /// <param name="enabled">The mechanisms clients may use (Kafka's <c>sasl.enabled.mechanisms</c>); null: all of <see cref="Mechanisms"/>.</param>
    public SaslUsers(IReadOnlyDictionary<string, string> passwords, IReadOnlyList<string>? enabled = null)
    {
        Enabled = enabled is null ? Mechanisms : Mechanisms.Where(enabled.Contains).ToList();
        foreach (var (user, password) in passwords)
        {
            _plain[user] = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(password));
            _sha256[user] = ScramCredential.Create(password, HashAlgorithmName.SHA256);
            _sha512[user] = ScramCredential.Create(password, HashAlgorithmName.SHA512);
        }
    }

    /// <summary>The mechanisms SaslHandshake accepts and lists.</summary>
    public IReadOnlyList<string> Enabled { get; }

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
