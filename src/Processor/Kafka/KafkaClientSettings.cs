using Confluent.Kafka;
using Streamiz.Kafka.Net;

namespace ContactCenter.Processor.Kafka;

/// <summary>
/// How every Kafka client of a pod or a verb connects: the cluster, its security settings, the name its clients carry
/// (<c>client.id</c>) and the stages' fetch wait. Built once per process by the one configuration path
/// (<see cref="Hosting.PodConfiguration"/>: appsettings.json, then <c>CC__Kafka__...</c>, then flags) and passed to every
/// stage, tool and monitor; nothing reads Kafka settings from anywhere else. The client settings themselves (acks,
/// partitioner, sessions) are <see cref="KafkaClientDefaults"/>; docs/broker.md says why.
/// </summary>
/// <param name="BootstrapServers">host:port,... of the cluster.</param>
internal sealed record KafkaClientSettings(string BootstrapServers)
{
    /// <summary>Authentication and encryption of every client (none by default).</summary>
    public KafkaSecurity Security { get; init; } = KafkaSecurity.None;

    /// <summary>
    /// What this process calls itself: each client's <c>client.id</c> is this plus its role (<c>pod-7.agent-state</c>),
    /// so a group's members are named in DescribeGroups and in a refused <c>reset</c>.
    /// </summary>
    public string ClientId { get; init; } = DefaultClientId();

    /// <summary>The stages' <c>fetch.wait.max.ms</c> (<see cref="KafkaClientDefaults.StageFetchWaitMaxMs"/>; the librdkafka
    /// mock needs <see cref="KafkaClientDefaults.MockStageFetchWaitMaxMs"/>).</summary>
    public int StageFetchWaitMaxMs { get; init; } = KafkaClientDefaults.StageFetchWaitMaxMs;

    /// <summary>Session timeout of the stages' and tools' consumers (a real broker's minimum is 6 s).</summary>
    public int SessionTimeoutMs { get; init; } = KafkaClientDefaults.SessionTimeoutMs;

    /// <summary>The <c>client.id</c> of a client with role <paramref name="role"/>.</summary>
    public string ClientIdFor(string? role) => string.IsNullOrEmpty(role) ? ClientId : $"{ClientId}.{role}";

    /// <summary>Producer settings (<see cref="KafkaClientDefaults.ApplyProducer"/>) with security and client id.</summary>
    public ProducerConfig Producer(string? role = null)
    {
        var config = new ProducerConfig { BootstrapServers = BootstrapServers, ClientId = ClientIdFor(role) };
        KafkaClientDefaults.ApplyProducer(config);
        Security.Apply(config);
        return config;
    }

    /// <summary>Consumer settings for group <paramref name="groupId"/> (<see cref="KafkaClientDefaults.ApplyConsumer"/>).</summary>
    public ConsumerConfig Consumer(string groupId, string? role = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        var config = new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = groupId, ClientId = ClientIdFor(role ?? groupId) };
        KafkaClientDefaults.ApplyConsumer(config, SessionTimeoutMs);
        Security.Apply(config);
        return config;
    }

    /// <summary><see cref="Consumer"/> with the stages' long fetch wait.</summary>
    public ConsumerConfig StageConsumer(string groupId, string? role = null)
    {
        var config = Consumer(groupId, role);
        config.FetchWaitMaxMs = StageFetchWaitMaxMs;
        // A member learns that a rebalance began only at its next heartbeat, and a cooperative move of a partition takes
        // two rounds (the old owner revokes, then the new one is assigned): at a third of the session (2 s) that was up
        // to 4 s of a moved partition's pause at every scale event. A heartbeat is one small request.
        config.HeartbeatIntervalMs = Math.Min(KafkaClientDefaults.StageHeartbeatMs, SessionTimeoutMs / 3);
        return config;
    }

    /// <summary>Admin client settings.</summary>
    public AdminClientConfig Admin(string? role = null)
    {
        var config = new AdminClientConfig { BootstrapServers = BootstrapServers, ClientId = ClientIdFor(role ?? "admin") };
        Security.Apply(config);
        return config;
    }

    /// <summary>Security and client id of a Streamiz application (its other settings are the stage's own).</summary>
    public void Apply(StreamConfig config, string role)
    {
        config.BootstrapServers = BootstrapServers;
        config.ClientId = ClientIdFor(role);
        Security.Apply(config);
    }

    /// <summary>For logs: the cluster and the security settings, never a secret.</summary>
    public override string ToString() => $"{BootstrapServers} ({Security}, client.id {ClientId})";

    private static string DefaultClientId()
    {
        // In Kubernetes HOSTNAME is the pod's name; elsewhere the machine's name and this process.
        var host = Environment.GetEnvironmentVariable("HOSTNAME");
        return string.IsNullOrWhiteSpace(host) ? $"contactcenter-{Environment.MachineName}-{Environment.ProcessId}" : host;
    }
}
