using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Operations;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Processor.Stages;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Topology.Files;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Tests.Processor.Kafka;

/// <summary>
/// Every client a stage creates carries <c>client.id</c> = the pod's name and the stage's, so a group's members are
/// named: the broker's DescribeGroups (what a refused <c>reset</c> lists) shows which pod holds the group.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(RealRedisCollection.Name)]
public sealed class ClientIdTests(RealRedisBackend backend)
{
    [Fact]
    public async Task A_stage_consumer_is_named_after_its_pod_and_stage()
    {
        using var broker = LocalKafka.Start(BrokerKind.Embedded, 1);
        var dir = Directory.CreateTempSubdirectory("cc-client-id-").FullName;
        var spec = TopologyLoader.Load(ContactCenter.Tests.Processor.Operations.ReplayRepairTests.WriteTopology(dir, "t.yaml", Guid.NewGuid().ToString("N")[..8])).Spec!;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            await PipelineHost.ProvisionTopicsAsync(spec, broker.Provisioner, timeout.Token);
        var kafka = new KafkaClientSettings(broker.BootstrapServers) { ClientId = "pod-7" };
        await using var stage = new StateStageHost(spec.State, kafka, backend.Redis, NullLoggerFactory.Instance, new StageHealth(NullLogger.Instance));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await stage.StartAsync(timeout.Token);

        var reset = OffsetReset.For(spec, spec.State.Name, new KafkaClientSettings(broker.BootstrapServers))!;
        var members = await reset.LiveMembersAsync();
        Assert.NotNull(members);
        var member = Assert.Single(members!);
        Assert.StartsWith($"pod-7.{spec.State.Name} ", member);
    }
}
