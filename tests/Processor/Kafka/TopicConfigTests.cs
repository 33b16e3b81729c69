using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContactCenter.Processor.Kafka;
using ContactCenter.Broker;
using ContactCenter.Processor.Pipeline;

namespace ContactCenter.Tests.Processor.Kafka;

/// <summary>
/// Topics are created with the configs the pipeline needs (the derived topic and the store's changelog compacted),
/// through the Admin API as on a real cluster, and an existing topic whose configs differ is reported, not ignored.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class TopicConfigTests : IDisposable
{
    private readonly KafkaBroker _broker = KafkaBroker.Start(1);

    private async Task<string?> CleanupPolicyAsync(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]);
        return described.SelectMany(r => r.Entries).FirstOrDefault(e => e.Key == "cleanup.policy").Value?.Value;
    }

    [Fact]
    public async Task The_derived_topic_and_the_changelog_are_created_compacted_the_sources_are_not()
    {
        var spec = TestSpecs.Agent("cfg.");
        using var provisioner = new AdminTopicProvisioner(new KafkaClientSettings(_broker.BootstrapServers));
        Assert.Empty(await PipelineHost.ProvisionTopicsAsync(spec, provisioner, CancellationToken.None));

        Assert.Equal("compact", await CleanupPolicyAsync(spec.Aggregate.OutputTopic));
        Assert.Equal("compact", await CleanupPolicyAsync(ContactCenter.Processor.Streams.AggregateTopologyBuilder.ChangelogTopic(spec.Aggregate)));
        Assert.NotEqual("compact", await CleanupPolicyAsync(spec.Aggregate.Sources[0].Topic));
    }

    [Fact]
    public async Task An_existing_derived_topic_that_is_not_compacted_is_reported()
    {
        var spec = TestSpecs.Agent("old.");
        _broker.CreateTopic(spec.Aggregate.OutputTopic, spec.Aggregate.OutputPartitions, new Dictionary<string, string> { ["cleanup.policy"] = "delete" });
        using var provisioner = new AdminTopicProvisioner(new KafkaClientSettings(_broker.BootstrapServers));

        var differences = await PipelineHost.ProvisionTopicsAsync(spec, provisioner, CancellationToken.None);

        var line = Assert.Single(differences);
        Assert.Contains($"topic '{spec.Aggregate.OutputTopic}' has cleanup.policy=delete, the engine needs compact", line);
    }

    /// <summary>The shipped topology's window reads the derived topic: compaction must leave each record there for a
    /// window plus its grace (15 + 1 minutes), or a lagging window stage would miss a call's start.</summary>
    [Fact]
    public async Task A_derived_topic_a_window_reads_keeps_its_records_a_window_and_a_grace_before_compaction()
    {
        var spec = ContactCenter.Topology.Files.TopologyLoader.Load(Repo.AgentState).Spec!;
        Assert.Equal("960000", PipelineHost.TopicConfigs(spec, spec.Aggregate.OutputTopic)["min.compaction.lag.ms"]);
        Assert.False(PipelineHost.TopicConfigs(spec, ContactCenter.Processor.Streams.AggregateTopologyBuilder.ChangelogTopic(spec.Aggregate)).ContainsKey("min.compaction.lag.ms"));
        using var provisioner = new AdminTopicProvisioner(new KafkaClientSettings(_broker.BootstrapServers));
        Assert.Empty(await PipelineHost.ProvisionTopicsAsync(spec, provisioner, CancellationToken.None));
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = spec.Aggregate.OutputTopic }]);
        Assert.Equal("960000", described.Single().Entries["min.compaction.lag.ms"].Value);
    }

    public void Dispose() => _broker.Dispose();
}
