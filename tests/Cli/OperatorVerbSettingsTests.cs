using System.Text.Json;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// The operator verbs connect exactly as the pods do: the same <c>--config</c> file, the same <c>CC__Section__Key</c>
/// variables, security included. Proven against a password-protected redis-server (the verbs get in with the
/// password from the settings and are refused without it) and against the embedded broker (a security protocol given
/// only through the environment reaches the Kafka client: TLS against a plaintext listener cannot connect).
/// </summary>
[Trait("Kind", "Integration")]
public class OperatorVerbSettingsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string ConfigFile(object settings)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cc-settings-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(settings));
        return path;
    }

    [Fact]
    public async Task Every_redis_verb_takes_the_password_from_the_config_file_and_is_refused_without_it()
    {
        const string password = "s3cret-for-tools";
        await using var redis = await RedisServerProcess.StartAsync("--requirepass", password);
        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        broker.CreateTopic("user-aggregate", 6);
        var withPassword = ConfigFile(new { Redis = new { Endpoint = redis.Endpoint, Password = password }, Kafka = new { BootstrapServers = broker.BootstrapServers } });
        var withoutPassword = ConfigFile(new { Redis = new { Endpoint = redis.Endpoint }, Kafka = new { BootstrapServers = broker.BootstrapServers } });
        var snapshot = Path.Combine(Path.GetTempPath(), $"cc-snap-{Guid.NewGuid():N}.snap");
        try
        {
            string[][] verbs =
            [
                ["snapshot", "save", "--topology", "topologies/agent-state.yaml", "--out", snapshot],
                ["purge-keys", "topologies/agent-state.yaml", "--key-pattern", "old:{key}"],
                ["replay", "topologies/agent-state.yaml", "--stage", "agent-state", "--to", "latest-at-start"],
                ["reset", "topologies/agent-state.yaml", "--stage", "agent-state", "--to-earliest"],
            ];
            foreach (var verb in verbs)
            {
                var ok = await CliProcess.RunAsync(Bound, null, [.. verb, "--config", withPassword]);
                Assert.True(ok.Code == 0, string.Join(' ', verb) + ": " + ok);
                var refused = await CliProcess.RunAsync(Bound, null, [.. verb, "--config", withoutPassword]);
                Assert.True(refused.Code == 4, string.Join(' ', verb) + ": " + refused);
                Assert.Contains("cannot reach Redis", Assert.Single(refused.ErrorLines));
            }
            // snapshot load reads the file the save wrote, with the password from the environment this time.
            var loaded = await CliProcess.RunAsync(Bound, new Dictionary<string, string> { ["CC__Redis__Password"] = password },
                "snapshot", "load", "--topology", "topologies/agent-state.yaml", "--in", snapshot, "--redis", redis.Endpoint);
            Assert.True(loaded.Code == 0, loaded.ToString());
            // reconcile reaches Redis with the password, then fails on the listing (nothing listens there): exit 2, not 4.
            var reconcile = await CliProcess.RunAsync(Bound, null, "reconcile", "topologies/examples/provisioning.yaml", "--listing", "http://127.0.0.1:1/agents", "--config", withPassword);
            Assert.True(reconcile.Code == 2, reconcile.ToString());
            Assert.Contains("listing", reconcile.Stderr);
            var reconcileRefused = await CliProcess.RunAsync(Bound, null, "reconcile", "topologies/examples/provisioning.yaml", "--listing", "http://127.0.0.1:1/agents", "--config", withoutPassword);
            Assert.True(reconcileRefused.Code == 4, reconcileRefused.ToString());
        }
        finally
        {
            File.Delete(withPassword);
            File.Delete(withoutPassword);
            File.Delete(snapshot);
        }
    }

    [Theory]
    [InlineData("replay", new[] { "replay", "topologies/agent-state.yaml", "--stage", "agent-state", "--to", "latest-at-start" })]
    [InlineData("reset", new[] { "reset", "topologies/agent-state.yaml", "--stage", "agent-state", "--to-earliest" })]
    public async Task Kafka_security_from_the_environment_reaches_the_verbs_clients(string verb, string[] args)
    {
        await using var redis = await RedisServerProcess.StartAsync();
        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        broker.CreateTopic("user-aggregate", 6);
        var plain = await CliProcess.RunAsync(Bound, null, [.. args, "--bootstrap-servers", broker.BootstrapServers, "--redis", redis.Endpoint]);
        Assert.True(plain.Code == 0, verb + ": " + plain);
        var tls = await CliProcess.RunAsync(Bound, new Dictionary<string, string> { ["CC__Kafka__SecurityProtocol"] = "ssl" },
            [.. args, "--bootstrap-servers", broker.BootstrapServers, "--redis", redis.Endpoint]);
        Assert.True(tls.Code == 4, verb + ": " + tls);
        Assert.Contains("cannot reach Kafka", Assert.Single(tls.ErrorLines));
    }

    [Fact]
    public async Task A_misspelt_security_protocol_is_a_configuration_error_not_a_stack_trace()
    {
        var outcome = await CliProcess.RunAsync(Bound, new Dictionary<string, string> { ["CC__Kafka__SecurityProtocol"] = "sasl-tls" },
            "replay", "topologies/agent-state.yaml", "--stage", "agent-state", "--bootstrap-servers", "127.0.0.1:1", "--redis", "127.0.0.1:1");
        Assert.True(outcome.Code == 2, outcome.ToString());
        var line = Assert.Single(outcome.ErrorLines);
        Assert.Contains("security.protocol", line);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }
}
