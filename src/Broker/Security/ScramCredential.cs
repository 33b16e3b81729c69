using System.Security.Cryptography;
using System.Text;

namespace ContactCenter.Broker.Security;

/// <summary>
/// What a SCRAM server keeps of a password (RFC 5802): a random salt, the iteration count, StoredKey = H(ClientKey)
/// and ServerKey, never the password itself. Built once per user and mechanism when the broker starts.
/// </summary>
internal sealed class ScramCredential
{
    public const int Iterations = 4096; // Kafka's minimum and librdkafka's expectation

    private ScramCredential(HashAlgorithmName hash, byte[] salt, byte[] storedKey, byte[] serverKey)
    {
        Hash = hash;
        Salt = salt;
        StoredKey = storedKey;
        ServerKey = serverKey;
    }

    public HashAlgorithmName Hash { get; }
    public byte[] Salt { get; }
    public byte[] StoredKey { get; }
    public byte[] ServerKey { get; }

    public static ScramCredential Create(string password, HashAlgorithmName hash)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, hash, HashSize(hash));
        var clientKey = Hmac(hash, salted, "Client Key"u8);
        return new ScramCredential(hash, salt, HashOf(hash, clientKey), Hmac(hash, salted, "Server Key"u8));
    }

    public static int HashSize(HashAlgorithmName hash) => hash == HashAlgorithmName.SHA512 ? 64 : 32;

    public static byte[] Hmac(HashAlgorithmName hash, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        hash == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(key, data) : HMACSHA256.HashData(key, data);

    public static byte[] HashOf(HashAlgorithmName hash, ReadOnlySpan<byte> data) =>
        hash == HashAlgorithmName.SHA512 ? SHA512.HashData(data) : SHA256.HashData(data);
}
