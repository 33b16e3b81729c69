using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using ContactCenter.Broker;
using ContactCenter.Broker.Security;

namespace ContactCenter.Cli;

/// <summary>
/// The <c>broker</c> verb's security flags: one protocol for every listener, the SASL mechanisms, the users and the TLS
/// certificate. Passwords come only from a file or an environment variable named by a flag, never from a flag value
/// (which would show in <c>ps</c>, shell history and logs), and are never printed.
/// </summary>
internal sealed class BrokerSecurityOptions
{
    public Option<string?> Protocol { get; } = new("--security-protocol")
    {
        Description = "embedded broker only: what every listener speaks: plaintext (default), ssl, sasl_plaintext or sasl_ssl.",
    };

    public Option<string?> Mechanisms { get; } = new("--sasl-mechanisms")
    {
        Description = "SASL mechanisms accepted, comma-separated: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (default: all three).",
    };

    public Option<FileInfo?> UsersFile { get; } = new("--users-file")
    {
        Description = "SASL users, one 'name:password' per line ('#' comments); the file is read once at start.",
    };

    public Option<string?> UsersEnv { get; } = new("--users-env")
    {
        Description = "Name of an environment variable holding the SASL users, 'name:password' per line (the variable's name, not its value).",
    };

    public Option<FileInfo?> TlsCert { get; } = new("--tls-cert")
    {
        Description = "PEM server certificate (chain) of ssl and sasl_ssl listeners.",
    };

    public Option<FileInfo?> TlsKey { get; } = new("--tls-key")
    {
        Description = "PEM private key of --tls-cert (default: the key inside the --tls-cert file).",
    };

    public IEnumerable<Option> All => [Protocol, Mechanisms, UsersFile, UsersEnv, TlsCert, TlsKey];

    /// <summary>What the flags ask for; <see cref="Protocol"/> plaintext with nothing else when none is given.</summary>
    public sealed record Settings(ListenerProtocol Protocol, IReadOnlyList<string>? Mechanisms, IReadOnlyDictionary<string, string>? Users,
        X509Certificate2? Certificate)
    {
        public bool Any => Protocol != ListenerProtocol.Plaintext;

        /// <summary>One line for stderr: the protocol, mechanisms and how many users (no name, no password).</summary>
        public string Describe() => Protocol switch
        {
            ListenerProtocol.Plaintext => "PLAINTEXT",
            ListenerProtocol.Ssl => "SSL",
            _ => $"{(Protocol == ListenerProtocol.SaslSsl ? "SASL_SSL" : "SASL_PLAINTEXT")} ({string.Join(", ", Mechanisms ?? KafkaBrokerOptions.SupportedSaslMechanisms)}), {Users?.Count ?? 0} user(s)",
        };
    }

    /// <summary>Reads and checks the flags; throws <see cref="FormatException"/> with one readable line (never a secret).</summary>
    public Settings Parse(ParseResult parse, Func<string, string?> environment)
    {
        var protocol = ParseProtocol(parse.GetValue(Protocol));
        var sasl = protocol is ListenerProtocol.SaslPlaintext or ListenerProtocol.SaslSsl;
        var tls = protocol is ListenerProtocol.Ssl or ListenerProtocol.SaslSsl;
        var mechanisms = ParseMechanisms(parse.GetValue(Mechanisms));
        var usersFile = parse.GetValue(UsersFile);
        var usersEnv = parse.GetValue(UsersEnv);
        if ((mechanisms is not null || usersFile is not null || usersEnv is not null) && !sasl)
            throw new FormatException("--sasl-mechanisms, --users-file and --users-env need --security-protocol sasl_plaintext or sasl_ssl.");
        if ((parse.GetValue(TlsCert) is not null || parse.GetValue(TlsKey) is not null) && !tls)
            throw new FormatException("--tls-cert and --tls-key need --security-protocol ssl or sasl_ssl.");
        if (usersFile is not null && usersEnv is not null) throw new FormatException("give --users-file or --users-env, not both.");

        Dictionary<string, string>? users = null;
        if (sasl)
        {
            if (usersFile is not null)
            {
                string text;
                try { text = File.ReadAllText(usersFile.FullName); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new FormatException($"--users-file: cannot read {usersFile.FullName} ({e.GetType().Name}).");
                }
                users = ParseUsers(text, $"--users-file {usersFile.FullName}");
            }
            else if (usersEnv is not null)
            {
                users = ParseUsers(environment(usersEnv) ?? throw new FormatException($"--users-env: environment variable {usersEnv} is not set."),
                    $"--users-env {usersEnv}");
            }
            if (users is null || users.Count == 0)
                throw new FormatException("a SASL listener needs users: --users-file FILE or --users-env VARIABLE ('name:password' per line).");
        }
        var certificate = tls ? LoadCertificate(parse.GetValue(TlsCert), parse.GetValue(TlsKey)) : null;
        return new Settings(protocol, mechanisms, users, certificate);
    }

    internal static ListenerProtocol ParseProtocol(string? text) =>
        (text ?? "plaintext").Replace("_", "", StringComparison.Ordinal).ToLowerInvariant() switch
        {
            "plaintext" => ListenerProtocol.Plaintext,
            "ssl" => ListenerProtocol.Ssl,
            "saslplaintext" => ListenerProtocol.SaslPlaintext,
            "saslssl" => ListenerProtocol.SaslSsl,
            _ => throw new FormatException($"--security-protocol: '{text}' is not plaintext, ssl, sasl_plaintext or sasl_ssl."),
        };

    private static List<string>? ParseMechanisms(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => m.ToUpperInvariant()).Distinct().ToList();
        if (list.FirstOrDefault(m => !KafkaBrokerOptions.SupportedSaslMechanisms.Contains(m)) is { } unknown)
            throw new FormatException($"--sasl-mechanisms: '{unknown}' is not one of {string.Join(", ", KafkaBrokerOptions.SupportedSaslMechanisms)}.");
        return list;
    }

    /// <summary>'name:password' per line; a bad line is named by its number only, so no password reaches the output.</summary>
    internal static Dictionary<string, string> ParseUsers(string text, string source)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == line.Length - 1)
                throw new FormatException($"{source}: line {i + 1} is not 'name:password'.");
            var name = line[..colon].Trim();
            if (!users.TryAdd(name, line[(colon + 1)..]))
                throw new FormatException($"{source}: line {i + 1} repeats user '{name}'.");
        }
        return users;
    }

    private static X509Certificate2 LoadCertificate(FileInfo? cert, FileInfo? key)
    {
        if (cert is null) throw new FormatException("ssl and sasl_ssl listeners need --tls-cert (PEM) and its key (--tls-key, or inside the --tls-cert file).");
        try
        {
            var loaded = X509Certificate2.CreateFromPemFile(cert.FullName, key?.FullName);
            if (!loaded.HasPrivateKey) throw new FormatException($"--tls-cert {cert.FullName}: no private key found; give --tls-key.");
            // Through PKCS#12, so SslStream can use the key on every platform (an ephemeral PEM key may not be).
            return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new FormatException($"--tls-cert {cert.FullName}{(key is null ? "" : $" / --tls-key {key.FullName}")}: cannot load ({e.Message}).");
        }
    }
}
