using Confluent.Kafka;
using ContactCenter.Broker;
using ContactCenter.Broker.Security;
using ContactCenter.Tests.Processor.Kafka;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// TLS and SASL listeners (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) driven with Confluent.Kafka: the right password
/// works end to end, a wrong one is a clear authentication error, and no password reaches the broker's log.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class SecureListenerTests : IDisposable
{
    private const string User = "agent-app";
    private const string Password = "s3cret-Pa55word";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly CapturingLogger _log = new();
    private readonly KafkaBroker _broker;

    public SecureListenerTests()
    {
        _broker = KafkaBroker.Start(4, new KafkaBrokerOptions
        {
            Listeners =
            [
                new BrokerListenerOptions(Protocol: ListenerProtocol.SaslSsl),
                new BrokerListenerOptions(Protocol: ListenerProtocol.SaslPlaintext),
                new BrokerListenerOptions(Protocol: ListenerProtocol.Ssl),
                new BrokerListenerOptions(Protocol: ListenerProtocol.Plaintext),
            ],
            TlsCertificate = _certificates.Server,
            SaslUsers = new Dictionary<string, string> { [User] = Password, ["other"] = "another-secret" },
        }, _log);
    }

    public void Dispose()
    {
        _broker.Dispose();
        _certificates.Dispose();
    }

    private string Broker(int id) => _broker.BootstrapServers.Split(',')[id - 1];

    private ClientConfig Config(int broker, SecurityProtocol protocol, SaslMechanism? mechanism = null, string password = Password)
    {
        var config = new ClientConfig
        {
            BootstrapServers = Broker(broker),
            SecurityProtocol = protocol,
            SocketTimeoutMs = 10_000,
        };
        if (protocol is SecurityProtocol.Ssl or SecurityProtocol.SaslSsl) config.SslCaLocation = _certificates.CaPemPath;
        if (mechanism is { } m)
        {
            config.SaslMechanism = m;
            config.SaslUsername = User;
            config.SaslPassword = password;
        }
        return config;
    }

    // Produce then consume one record over the given settings. Metadata names every broker and each listener speaks
    // its own protocol, so the topic's one partition is led by the broker under test: the client needs no other.
    private async Task RoundTripAsync(ClientConfig config, int broker)
    {
        var topic = $"sec-{Guid.NewGuid():N}"[..16];
        _broker.CreateTopic(topic, 1);
        Assert.True(_broker.Cluster.Topic(topic)!.Partitions[0].Leader > 0);
        // Lead the partition from the broker under test, so that the client talks to it only.
        while (_broker.Cluster.Topic(topic)!.Partitions[0].Leader != broker)
        {
            topic = $"sec-{Guid.NewGuid():N}"[..16];
            _broker.CreateTopic(topic, 1);
        }

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig(config) { Acks = Acks.All }).Build();
        var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = "k", Value = "over " + config.SecurityProtocol });
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig(config)
        {
            GroupId = $"sec-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        Assert.Equal("over " + config.SecurityProtocol, KafkaTestClient.ConsumeExactly(consumer, 1)[0].Message.Value);
    }

    [Theory]
    [InlineData(SaslMechanism.ScramSha256)]
    [InlineData(SaslMechanism.ScramSha512)]
    [InlineData(SaslMechanism.Plain)]
    public async Task Sasl_ssl_with_the_right_password_produces_and_consumes(SaslMechanism mechanism) =>
        await RoundTripAsync(Config(1, SecurityProtocol.SaslSsl, mechanism), 1);

    [Fact]
    public async Task Sasl_plaintext_and_ssl_listeners_serve_too()
    {
        await RoundTripAsync(Config(2, SecurityProtocol.SaslPlaintext, SaslMechanism.ScramSha256), 2);
        await RoundTripAsync(Config(3, SecurityProtocol.Ssl), 3);
    }

    [Theory]
    [InlineData(SaslMechanism.ScramSha256)]
    [InlineData(SaslMechanism.ScramSha512)]
    [InlineData(SaslMechanism.Plain)]
    public void A_wrong_password_is_a_clear_authentication_error_and_never_logged(SaslMechanism mechanism)
    {
        var errors = new List<Error>();
        var config = new AdminClientConfig(Config(1, SecurityProtocol.SaslSsl, mechanism, password: "not-the-password"));
        using var admin = new AdminClientBuilder(config).SetErrorHandler((_, e) => { lock (errors) errors.Add(e); }).Build();
        var failure = Assert.ThrowsAny<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(3)));

        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline) { lock (errors) if (errors.Any(e => e.Code == ErrorCode.Local_Authentication)) break; Thread.Sleep(50); }
        Error auth;
        lock (errors) auth = errors.FirstOrDefault(e => e.Code == ErrorCode.Local_Authentication) ?? failure.Error;
        Assert.Equal(ErrorCode.Local_Authentication, auth.Code);
        Assert.Contains("Authentication failed", auth.Reason);

        Assert.Contains(_log.Lines, l => l.Contains("authentication of agent-app", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Lines, l => l.Contains("not-the-password", StringComparison.Ordinal) || l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_user_fails_like_a_wrong_password()
    {
        var errors = new List<Error>();
        var config = new AdminClientConfig(Config(1, SecurityProtocol.SaslSsl, SaslMechanism.ScramSha256)) { SaslUsername = "nobody" };
        using var admin = new AdminClientBuilder(config).SetErrorHandler((_, e) => { lock (errors) errors.Add(e); }).Build();
        Assert.ThrowsAny<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(5)));
        lock (errors) Assert.Contains(errors, e => e.Code == ErrorCode.Local_Authentication && e.Reason.Contains("invalid credentials", StringComparison.Ordinal));
    }

    [Fact]
    public void Requests_before_authentication_close_the_connection()
    {
        // A plaintext client at the SASL listener sends Metadata without authenticating: it never gets an answer.
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker(2), SocketTimeoutMs = 3000 }).Build();
        Assert.ThrowsAny<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void Listeners_that_need_a_certificate_or_users_refuse_to_start_without()
    {
        Assert.Throws<ArgumentException>(() => KafkaBroker.Start(1, new KafkaBrokerOptions { Listeners = [new BrokerListenerOptions(Protocol: ListenerProtocol.Ssl)] }));
        Assert.Throws<ArgumentException>(() => KafkaBroker.Start(1, new KafkaBrokerOptions { Listeners = [new BrokerListenerOptions(Protocol: ListenerProtocol.SaslPlaintext)] }));
    }

    /// <summary>Keeps every formatted log line (with its arguments) to check what reached the log.</summary>
    private sealed class CapturingLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add(formatter(state, exception) + " " + exception);
        }
    }
}
