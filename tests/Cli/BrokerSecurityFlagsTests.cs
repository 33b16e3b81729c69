using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using ContactCenter.Broker.Security;
using ContactCenter.Cli;
using ContactCenter.Tests.Broker;
using ContactCenter.Tests.Stores.Redis;
using ContactCenter.Tests.Support;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// <c>contactcenter broker</c> run secured from its flags (SASL_SSL, SCRAM-SHA-256 only, users from a file, a PEM
/// certificate and key): <c>replay</c> works against it with the password and is refused in one line without it; the
/// broker's own output never shows a password.
/// </summary>
[Trait("Kind", "Integration")]
public sealed partial class BrokerSecurityFlagsTests : IDisposable
{
    private const string Password = "flag-Pa55word";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-broker-secure-").FullName;

    public void Dispose()
    {
        _certificates.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private Dictionary<string, string> Security(string password, string mechanism = "ScramSha256") => new()
    {
        ["CC__Kafka__SecurityProtocol"] = "SaslSsl",
        ["CC__Kafka__SaslMechanism"] = mechanism,
        ["CC__Kafka__SaslUsername"] = "pod",
        ["CC__Kafka__SaslPassword"] = password,
        ["CC__Kafka__SslCaLocation"] = _certificates.CaPemPath,
    };

    [Fact]
    public async Task A_broker_secured_by_its_flags_serves_replay_with_the_password_and_refuses_a_wrong_one_in_one_line()
    {
        var users = Path.Combine(_dir, "users");
        File.WriteAllText(users, $"# SASL users of the test broker\npod:{Password}\nother:{Password}-2\n");
        var cert = Path.Combine(_dir, "server.pem");
        var key = Path.Combine(_dir, "server.key");
        File.WriteAllText(cert, _certificates.Server.ExportCertificatePem());
        File.WriteAllText(key, _certificates.Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

        using var broker = BrokerCommandTests.StartBroker("--brokers", "1", "--security-protocol", "sasl_ssl", "--sasl-mechanisms", "SCRAM-SHA-256",
            "--users-file", users, "--tls-cert", cert, "--tls-key", key, "--topics", "agent:6,user-feature:6,user-aggregate:6");
        try
        {
            var bootstrap = await broker.StandardOutput.ReadLineAsync().WaitAsync(Deadline);
            Assert.False(string.IsNullOrEmpty(bootstrap), "no bootstrap line: " + (broker.HasExited ? await broker.StandardError.ReadToEndAsync() : ""));
            await using var redis = await RedisServerProcess.StartAsync();
            string[] replay = ["replay", "topologies/agent-state.yaml", "--stage", "agent-state", "--to", "latest-at-start",
                "--bootstrap-servers", bootstrap!, "--redis", redis.Endpoint];

            var ok = await CliProcess.RunAsync(Deadline, Security(Password), replay);
            Assert.True(ok.Code == 0, ok.ToString());

            var refused = await CliProcess.RunAsync(Deadline, Security("wrong-password"), replay);
            Assert.True(refused.Code == 4, refused.ToString());
            Assert.Contains("Kafka", Assert.Single(refused.ErrorLines));
            Assert.DoesNotContain("wrong-password", refused.Stderr + refused.Stdout);

            // Only the mechanisms the flag enabled: PLAIN with the right password is refused too.
            var plain = await CliProcess.RunAsync(Deadline, Security(Password, "Plain"), replay);
            Assert.True(plain.Code == 4, plain.ToString());
            Assert.DoesNotContain(Password, plain.Stderr + plain.Stdout);
        }
        finally
        {
            if (!broker.HasExited) Kill(broker.Id, 15);
            Assert.True(broker.WaitForExit(30_000), "the broker did not stop on SIGTERM");
        }
        var stderr = await broker.StandardError.ReadToEndAsync();
        Assert.Contains("SASL_SSL (SCRAM-SHA-256), 2 user(s)", stderr);
        Assert.DoesNotContain(Password, stderr);
        Assert.Equal(0, broker.ExitCode);
    }

    [Theory]
    [InlineData("a SASL listener needs users", "--security-protocol", "sasl_plaintext")]
    [InlineData("need --security-protocol sasl_plaintext or sasl_ssl", "--users-env", "CC_TEST_USERS")]
    [InlineData("ssl and sasl_ssl listeners need --tls-cert", "--security-protocol", "ssl")]
    [InlineData("is not plaintext, ssl, sasl_plaintext or sasl_ssl", "--security-protocol", "kerberos")]
    [InlineData("'GSSAPI' is not one of", "--security-protocol", "sasl_plaintext", "--sasl-mechanisms", "GSSAPI", "--users-env", "CC_TEST_USERS")]
    public void A_bad_combination_is_one_line_and_exit_2(string expected, params string[] args)
    {
        using var broker = BrokerCommandTests.StartBroker(["--brokers", "1", .. args]);
        Assert.True(broker.WaitForExit(60_000));
        var stderr = broker.StandardError.ReadToEnd();
        Assert.Equal(2, broker.ExitCode);
        Assert.Contains(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Empty(broker.StandardOutput.ReadToEnd());
    }

    [Fact]
    public void Users_come_from_a_variable_named_by_the_flag_and_a_bad_line_is_named_by_its_number_only()
    {
        var options = new BrokerSecurityOptions();
        var command = new RootCommand();
        foreach (var option in options.All) command.Options.Add(option);
        var environment = new Dictionary<string, string> { ["CC_TEST_USERS"] = "app:s3cret:with:colons\r\nops:other\n" };

        var settings = options.Parse(command.Parse(["--security-protocol", "SASL_PLAINTEXT", "--users-env", "CC_TEST_USERS"]), environment.GetValueOrDefault);
        Assert.Equal(ListenerProtocol.SaslPlaintext, settings.Protocol);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "s3cret:with:colons", ["ops"] = "other" }, settings.Users);

        environment["CC_TEST_USERS"] = "app:fine\nno-colon-s3cret\n";
        var bad = Assert.Throws<FormatException>(() =>
            options.Parse(command.Parse(["--security-protocol", "sasl_plaintext", "--users-env", "CC_TEST_USERS"]), environment.GetValueOrDefault));
        Assert.Equal("--users-env CC_TEST_USERS: line 2 is not 'name:password'.", bad.Message);

        var unset = Assert.Throws<FormatException>(() =>
            options.Parse(command.Parse(["--security-protocol", "sasl_plaintext", "--users-env", "CC_NOT_SET"]), environment.GetValueOrDefault));
        Assert.Contains("CC_NOT_SET is not set", unset.Message);
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
