using System.Collections;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>A pod's options: defaults, settings file, CC__ environment variables and flags, later wins; unknown keys and
/// bad values are refused; secrets are read from files and never shown.</summary>
[Trait("Kind", "Unit")]
public sealed class PodConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-podconf-").FullName;

    [Fact]
    public void Defaults_are_the_documented_ones()
    {
        var options = PodConfiguration.Bind(null, new Hashtable(), new Dictionary<string, string?>());
        Assert.Equal(8080, options.Http.Port);
        Assert.Equal(TimeSpan.FromSeconds(25), options.Shutdown.GracePeriod);
        Assert.Equal(10_000, options.Readiness.MaxLag);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Readiness.RedisPingTimeout);
        Assert.Equal(PipelineHost.Stages.All, options.Stages);
        Assert.Equal(StoreKind.Faster, options.Store);
        Assert.True(options.CreateTopics);
        Assert.Equal("topologies/agent-state.yaml", options.Topology);
        Assert.Contains(options.Problems(), p => p.Contains("Kafka:BootstrapServers", StringComparison.Ordinal));
        Assert.Contains(options.Problems(), p => p.Contains("Redis:Endpoint", StringComparison.Ordinal));
    }

    [Fact]
    public void Flags_win_over_environment_which_wins_over_the_settings_file()
    {
        var file = Path.Combine(_dir, "pod.json");
        File.WriteAllText(file, """
            {
              "Kafka": { "BootstrapServers": "file:9092" },
              "Redis": { "Endpoint": "file:6379", "User": "file-user" },
              "Http": { "Port": 9000 },
              "Shutdown": { "GracePeriod": "00:00:40" },
              "Stages": "State"
            }
            """);
        var environment = new Hashtable
        {
            ["CC__Kafka__BootstrapServers"] = "env:9092",
            ["CC__Redis__Endpoint"] = "env:6379",
            ["CC__Readiness__MaxLag"] = "77",
            ["OTHER__Kafka__BootstrapServers"] = "ignored:1",
        };
        var flags = new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = "flag:9092" };

        var options = PodConfiguration.Bind(file, environment, flags);

        Assert.Equal("flag:9092", options.Kafka.BootstrapServers);
        Assert.Equal("env:6379", options.Redis.Endpoint);
        Assert.Equal("file-user", options.Redis.User);
        Assert.Equal(9000, options.Http.Port);
        Assert.Equal(TimeSpan.FromSeconds(40), options.Shutdown.GracePeriod);
        Assert.Equal(77, options.Readiness.MaxLag);
        Assert.Equal(PipelineHost.Stages.State, options.Stages);
        Assert.Empty(options.Problems());
    }

    [Fact]
    public void A_misspelt_key_or_a_bad_value_is_refused()
    {
        Assert.Throws<InvalidOperationException>(() =>
            PodConfiguration.Bind(null, new Hashtable { ["CC__Redis__Endpiont"] = "x:1" }, new Dictionary<string, string?>()));
        Assert.Throws<InvalidOperationException>(() =>
            PodConfiguration.Bind(null, new Hashtable(), new Dictionary<string, string?> { ["Http:Port"] = "eighty" }));
        Assert.Throws<FileNotFoundException>(() =>
            PodConfiguration.Bind(Path.Combine(_dir, "nope.json"), new Hashtable(), new Dictionary<string, string?>()));
        var options = PodConfiguration.Bind(null, new Hashtable(), new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "k:1", ["Redis:Endpoint"] = "r:1", ["Http:Port"] = "70000", ["Redis:PasswordFile"] = Path.Combine(_dir, "absent"),
        });
        Assert.Contains(options.Problems(), p => p.Contains("Http:Port", StringComparison.Ordinal));
        Assert.Contains(options.Problems(), p => p.Contains("Redis:PasswordFile", StringComparison.Ordinal));
    }

    [Fact]
    public void The_workers_queue_section_binds_over_the_worker_defaults_and_is_checked()
    {
        var options = PodConfiguration.Bind(null, new Hashtable { ["CC__Workers__Queue__MaxAttempts"] = "3" }, new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = "k:1", ["Redis:Endpoint"] = "r:1", ["Workers:Queue:RetryMaxDelay"] = "00:00:00.001",
        });
        Assert.Equal(3, options.Workers.Queue.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Workers.Queue.VisibilityTimeout); // the worker default, not the queue's
        Assert.Equal(options.Workers.ReaperInterval * 5, options.Workers.QueueOptions().ReaperLease);
        // A back-off cap below its base delay is refused with the section's name.
        Assert.Contains(options.Problems(), p => p.StartsWith("Workers:Queue:", StringComparison.Ordinal) && p.Contains("RetryMaxDelay", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_come_from_files_without_their_line_break_and_are_never_shown()
    {
        var secret = Path.Combine(_dir, "password");
        File.WriteAllText(secret, "s3cr3t-from-file\n");
        Assert.Equal("s3cr3t-from-file", SecretFiles.Resolve(null, secret));
        Assert.Equal("inline", SecretFiles.Resolve("inline", null));
        Assert.Null(SecretFiles.Resolve(null, null));

        var security = new KafkaSecurity("sasl_ssl", "SCRAM-SHA-512", "pod", "s3cr3t-from-file", "/etc/ca.pem");
        Assert.DoesNotContain("s3cr3t", security.ToString(), StringComparison.Ordinal);
        var config = new Confluent.Kafka.ClientConfig();
        security.Apply(config);
        Assert.Equal(Confluent.Kafka.SecurityProtocol.SaslSsl, config.SecurityProtocol);
        Assert.Equal(Confluent.Kafka.SaslMechanism.ScramSha512, config.SaslMechanism);
        Assert.Equal("s3cr3t-from-file", config.SaslPassword);
        Assert.Throws<FormatException>(() => new KafkaSecurity("tls-please", null, null, null, null).Apply(new Confluent.Kafka.ClientConfig()));
    }

    [Theory]
    [InlineData("record has no key", "no-key")]
    [InlineData("key 'a b' has a character outside ASCII letters at byte 1", "key")]
    [InlineData("missing header 'cc-op'", "op-header")]
    [InlineData("invalid header 'cc-op': 'X'", "op-header")]
    [InlineData("record is 2000000 bytes with its key and 0 bytes of headers, over limits.max-record-bytes (1048576)", "too-large")]
    [InlineData("processing failed: NullReferenceException: boom", "processing-failed")]
    [InlineData("source record has no value (tombstone)", "tombstone")]
    [InlineData("agentId 'b' in the value does not match the key 'a'", "key-mismatch")]
    [InlineData("something nobody foresaw", "other")]
    public void Dead_letter_reasons_fall_into_a_bounded_set_of_classes(string reason, string expected)
    {
        Assert.Equal(expected, DeadLetterReasons.Classify(reason));
        Assert.Contains(expected, DeadLetterReasons.Classes);
    }


    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
