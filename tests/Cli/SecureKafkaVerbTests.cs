using ContactCenter.Broker;
using ContactCenter.Broker.Security;
using ContactCenter.Tests.Broker;
using ContactCenter.Tests.Processor.Hosting;
using ContactCenter.Tests.Support;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// A pod (<c>run</c>) and <c>replay</c> against a SASL_SSL listener with SCRAM-SHA-256, their Kafka security given
/// only through the pods' settings (<c>CC__Kafka__...</c>): the right password works end to end; with a wrong one
/// <c>replay</c> is refused with one line (exit 4) and the pod stops, neither showing the password.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class SecureKafkaVerbTests : IDisposable
{
    private const string User = "pod";
    private const string Password = "pod-Pa55word";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly KafkaBroker _broker;
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-secure-").FullName;

    public SecureKafkaVerbTests()
    {
        _broker = KafkaBroker.Start(1, new KafkaBrokerOptions
        {
            Listeners = [new BrokerListenerOptions(Protocol: ListenerProtocol.SaslSsl)],
            TlsCertificate = _certificates.Server,
            SaslUsers = new Dictionary<string, string> { [User] = Password },
        });
        foreach (var topic in new[] { "agent", "user-feature", "user-aggregate" }) _broker.CreateTopic(topic, 6);
    }

    public void Dispose()
    {
        _broker.Dispose();
        _certificates.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Dictionary<string, string> Security(string password) => new()
    {
        ["CC__Kafka__SecurityProtocol"] = "SaslSsl",
        ["CC__Kafka__SaslMechanism"] = "ScramSha256",
        ["CC__Kafka__SaslUsername"] = User,
        ["CC__Kafka__SaslPassword"] = password,
        ["CC__Kafka__SslCaLocation"] = _certificates.CaPemPath,
    };

    [Fact]
    public async Task Replay_works_with_the_password_and_is_refused_in_one_line_without_it()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        string[] replay = ["replay", "topologies/agent-state.yaml", "--stage", "agent-state", "--to", "latest-at-start",
            "--bootstrap-servers", _broker.BootstrapServers, "--redis", redis.Endpoint];

        var ok = await CliProcess.RunAsync(Bound, Security(Password), replay);
        Assert.True(ok.Code == 0, ok.ToString());

        var refused = await CliProcess.RunAsync(Bound, Security("wrong-password"), replay);
        Assert.True(refused.Code == 4, refused.ToString());
        var line = Assert.Single(refused.ErrorLines);
        Assert.Contains("Kafka", line);
        Assert.DoesNotContain("wrong-password", refused.Stderr + refused.Stdout);
    }

    [Fact]
    public async Task A_pod_becomes_ready_with_the_password()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        using var pod = PodProcess.Start(RepoPaths.Root(), Security(Password), "--topology", "topologies/agent-state.yaml",
            "--bootstrap-servers", _broker.BootstrapServers, "--redis", redis.Endpoint, "--state-dir", Path.Combine(_dir, "state"));
        await pod.WaitForReadyAsync(Bound);
        pod.Signal(PodProcess.SigTerm);
        Assert.True(await pod.WaitForExitAsync(TimeSpan.FromSeconds(60)), pod.Output);
        Assert.True(pod.ExitCode == 0, pod.Output);
    }

    [Fact]
    public async Task A_pod_with_a_wrong_password_stops_and_never_shows_it()
    {
        await using var redis = await RedisServerProcess.StartAsync();
        using var pod = PodProcess.Start(RepoPaths.Root(), Security("wrong-password"), "--topology", "topologies/agent-state.yaml",
            "--bootstrap-servers", _broker.BootstrapServers, "--redis", redis.Endpoint, "--state-dir", Path.Combine(_dir, "state"));
        Assert.True(await pod.WaitForExitAsync(Bound), "a pod that cannot authenticate must stop, not hang\n" + pod.Output);
        Assert.NotEqual(0, pod.ExitCode);
        // One line says why: the cluster refused the credentials, in the broker's own words, and which settings to check.
        var notReady = Assert.Single(pod.Stdout, l => l.StartsWith("not ready:", StringComparison.Ordinal));
        Assert.Contains("refused this pod's credentials", notReady);
        Assert.Contains("Kafka:SaslPassword", notReady);
        Assert.Contains(pod.Stderr, l => l.Contains("invalid credentials with SASL mechanism SCRAM-SHA-256", StringComparison.Ordinal));
        Assert.DoesNotContain("wrong-password", pod.Output);
    }
}
