using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContactCenter.Broker;
using ContactCenter.Processor.Kafka;
using ContactCenter.Tests.Processor.Kafka;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// The admin APIs of issue 23 (CreatePartitions, DeleteGroups, AlterConfigs, IncrementalAlterConfigs, DeleteRecords),
/// driven with Confluent.Kafka's admin client against a 3-broker native cluster.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class BrokerAdminApiTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly KafkaBroker _broker = KafkaBroker.Start(3);
    private readonly IAdminClient _admin;

    public BrokerAdminApiTests() => _admin = new AdminClientBuilder(KafkaClientDefaults.Admin(_broker.BootstrapServers)).Build();

    public void Dispose()
    {
        _admin.Dispose();
        _broker.Dispose();
    }

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private IProducer<string, string> Producer() =>
        new ProducerBuilder<string, string>(KafkaClientDefaults.Producer(_broker.BootstrapServers)).Build();

    private async Task ProduceAsync(string topic, int partition, int count)
    {
        using var producer = Producer();
        for (var i = 0; i < count; i++)
            await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
    }

    private Dictionary<string, string> SetConfigs(string topic) =>
        _admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]).Result[0].Entries
            .Where(e => !e.Value.IsDefault).ToDictionary(e => e.Key, e => e.Value.Value);

    [Fact]
    public async Task CreatePartitions_adds_empty_partitions_and_keeps_existing_data()
    {
        var topic = NewName("grow");
        _broker.CreateTopic(topic, 2);
        await ProduceAsync(topic, 0, 5);
        await ProduceAsync(topic, 1, 3);

        await _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }]);

        var metadata = _admin.GetMetadata(topic, Timeout).Topics.Single();
        Assert.Equal(5, metadata.Partitions.Count);
        Assert.All(metadata.Partitions, p => Assert.True(p.Leader > 0));
        using var consumer = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, "unused")).Build();
        var marks = Enumerable.Range(0, 5).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), Timeout)).ToList();
        Assert.Equal([5L, 3L, 0L, 0L, 0L], marks.Select(m => m.High.Value));

        // A new partition takes records like the old ones.
        await ProduceAsync(topic, 4, 2);
        Assert.Equal(2, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 4), Timeout).High.Value);

        // Shrinking, or "growing" to the same count, is refused; an unknown topic too.
        var shrink = await Assert.ThrowsAsync<CreatePartitionsException>(() =>
            _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 3 }]));
        Assert.Equal(ErrorCode.InvalidPartitions, shrink.Results[0].Error.Code);
        var unknown = await Assert.ThrowsAsync<CreatePartitionsException>(() =>
            _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "no-such-topic", IncreaseTo = 3 }]));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, unknown.Results[0].Error.Code);

        // Validate-only changes nothing.
        await _admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 8 }], new CreatePartitionsOptions { ValidateOnly = true });
        Assert.Equal(5, _admin.GetMetadata(topic, Timeout).Topics.Single().Partitions.Count);
    }

    [Fact]
    public async Task DeleteGroups_deletes_only_empty_groups_with_their_offsets()
    {
        var topic = NewName("dg");
        _broker.CreateTopic(topic, 1);
        await ProduceAsync(topic, 0, 3);
        var emptyGroup = NewName("g-empty");
        var liveGroup = NewName("g-live");
        using (var committer = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, emptyGroup)).Build())
            committer.Commit([new TopicPartitionOffset(topic, 0, 2)]);

        using var member = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, liveGroup)).Build();
        member.Subscribe(topic);
        KafkaTestClient.ConsumeExactly(member, 3);

        var error = await Assert.ThrowsAsync<DeleteGroupsException>(() => _admin.DeleteGroupsAsync([liveGroup, emptyGroup, "never-seen"]));
        var byGroup = error.Results.ToDictionary(r => r.Group, r => r.Error.Code);
        Assert.Equal(ErrorCode.NonEmptyGroup, byGroup[liveGroup]);
        Assert.Equal(ErrorCode.NoError, byGroup[emptyGroup]);
        Assert.Equal(ErrorCode.GroupIdNotFound, byGroup["never-seen"]);

        // The deleted group's offsets are gone; the live group is untouched.
        var offsets = await _admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(emptyGroup, [new TopicPartition(topic, 0)])]);
        Assert.Equal(Offset.Unset, offsets[0].Partitions[0].Offset);
        var groups = (await _admin.ListConsumerGroupsAsync()).Valid.Select(g => g.GroupId).ToList();
        Assert.Contains(liveGroup, groups);
        Assert.DoesNotContain(emptyGroup, groups);

        // Once its member left, the other group can go too.
        member.Close();
        await _admin.DeleteGroupsAsync([liveGroup]);
        Assert.DoesNotContain(liveGroup, (await _admin.ListConsumerGroupsAsync()).Valid.Select(g => g.GroupId));
    }

    [Fact]
    public async Task AlterConfigs_replaces_the_whole_set_and_validates_like_CreateTopics()
    {
        var topic = NewName("ac");
        _broker.CreateTopic(topic, 1, new Dictionary<string, string> { ["retention.ms"] = "1000", ["cleanup.policy"] = "compact" });

#pragma warning disable CS0618 // AlterConfigs is deprecated in favour of IncrementalAlterConfigs, but clients still send it
        await _admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [new ConfigResource { Type = ResourceType.Topic, Name = topic }] = [new ConfigEntry { Name = "retention.ms", Value = "5000" }],
        });
        Assert.Equal(new Dictionary<string, string> { ["retention.ms"] = "5000" }, SetConfigs(topic)); // cleanup.policy went back to its default

        var bad = await Assert.ThrowsAsync<AlterConfigsException>(() => _admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [new ConfigResource { Type = ResourceType.Topic, Name = topic }] = [new ConfigEntry { Name = "retention.ms", Value = "soon" }],
        }));
        Assert.Equal(ErrorCode.InvalidConfig, bad.Results[0].Error.Code);
        Assert.Contains("retention.ms", bad.Results[0].Error.Reason);
        var unknownName = await Assert.ThrowsAsync<AlterConfigsException>(() => _admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [new ConfigResource { Type = ResourceType.Topic, Name = topic }] = [new ConfigEntry { Name = "no.such.config", Value = "1" }],
        }));
        Assert.Equal(ErrorCode.InvalidConfig, unknownName.Results[0].Error.Code);
#pragma warning restore CS0618
        Assert.Equal(new Dictionary<string, string> { ["retention.ms"] = "5000" }, SetConfigs(topic)); // refused changes changed nothing
    }

    [Fact]
    public async Task IncrementalAlterConfigs_sets_deletes_appends_and_subtracts()
    {
        var topic = NewName("iac");
        _broker.CreateTopic(topic, 1, new Dictionary<string, string> { ["retention.ms"] = "1000", ["segment.ms"] = "60000" });
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };

        await _admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] =
            [
                new ConfigEntry { Name = "retention.ms", Value = "2000", IncrementalOperation = AlterConfigOpType.Set },
                new ConfigEntry { Name = "segment.ms", IncrementalOperation = AlterConfigOpType.Delete },
                new ConfigEntry { Name = "cleanup.policy", Value = "compact", IncrementalOperation = AlterConfigOpType.Append },
            ],
        });
        Assert.Equal(new Dictionary<string, string> { ["retention.ms"] = "2000", ["cleanup.policy"] = "delete,compact" }, SetConfigs(topic));

        await _admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "cleanup.policy", Value = "delete", IncrementalOperation = AlterConfigOpType.Subtract }],
        });
        Assert.Equal("compact", SetConfigs(topic)["cleanup.policy"]);

        // Bad values, unknown names and APPEND to a non-list are refused, and change nothing.
        foreach (var entry in new[]
        {
            new ConfigEntry { Name = "retention.ms", Value = "later", IncrementalOperation = AlterConfigOpType.Set },
            new ConfigEntry { Name = "cleanup.policy", Value = "shred", IncrementalOperation = AlterConfigOpType.Append },
            new ConfigEntry { Name = "no.such.config", Value = "1", IncrementalOperation = AlterConfigOpType.Set },
            new ConfigEntry { Name = "retention.ms", Value = "5", IncrementalOperation = AlterConfigOpType.Append },
        })
        {
            var refused = await Assert.ThrowsAsync<IncrementalAlterConfigsException>(() => _admin.IncrementalAlterConfigsAsync(
                new Dictionary<ConfigResource, List<ConfigEntry>> { [resource] = [entry] }));
            Assert.Equal(ErrorCode.InvalidConfig, refused.Results[0].Error.Code);
        }
        Assert.Equal(new Dictionary<string, string> { ["retention.ms"] = "2000", ["cleanup.policy"] = "compact" }, SetConfigs(topic));
        Assert.Equal("compact", _broker.Cluster.Topic(topic)!.Configs["cleanup.policy"]); // and the broker acts on it
    }

    [Fact]
    public async Task DeleteRecords_moves_the_log_start_so_earlier_fetches_are_out_of_range()
    {
        var topic = NewName("dr");
        _broker.CreateTopic(topic, 2);
        using (var producer = Producer())
        {
            // One batch of 10 records, so the new start falls inside a batch.
            for (var i = 0; i < 10; i++) producer.Produce(new TopicPartition(topic, 0), new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            producer.Flush(Timeout);
        }

        var result = await _admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 0, 4)]);
        Assert.Equal(4, result[0].Offset.Value);

        var config = KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, NewName("g"));
        config.AutoOffsetReset = AutoOffsetReset.Error;
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        Assert.Equal(4, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Timeout).Low.Value);

        // A fetch below the new start is OFFSET_OUT_OF_RANGE (auto.offset.reset=error surfaces it).
        consumer.Assign(new TopicPartitionOffset(topic, 0, 2));
        var outOfRange = Assert.Throws<ConsumeException>(() =>
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (DateTime.UtcNow < deadline) consumer.Consume(TimeSpan.FromMilliseconds(200));
        });
        Assert.Equal(ErrorCode.Local_AutoOffsetReset, outOfRange.Error.Code);

        // From the earliest offset, the records left are 4..9.
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var config2 = KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, NewName("g"));
        config2.AutoOffsetReset = AutoOffsetReset.Earliest;
        using var reader = new ConsumerBuilder<string, string>(config2).Build();
        reader.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        Assert.Equal(Enumerable.Range(4, 6).Select(i => (long)i), KafkaTestClient.ConsumeExactly(reader, 6).Select(r => r.Offset.Value));

        // -1 deletes up to the high watermark; past it is OFFSET_OUT_OF_RANGE; the other partition is untouched.
        var all = await _admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 0, Offset.End)]);
        Assert.Equal(10, all[0].Offset.Value);
        var past = await Assert.ThrowsAsync<DeleteRecordsException>(() => _admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 1, 1)]));
        Assert.Equal(ErrorCode.OffsetOutOfRange, past.Results[0].Error.Code);
        Assert.Equal(0, consumer.QueryWatermarkOffsets(new TopicPartition(topic, 1), Timeout).Low.Value);
    }

    [Fact]
    public async Task ListGroups_lists_each_group_once_across_brokers()
    {
        var topic = NewName("lg");
        _broker.CreateTopic(topic, 1);
        var groups = Enumerable.Range(0, 6).Select(_ => NewName("lg-g")).ToList();
        foreach (var group in groups)
            using (var c = new ConsumerBuilder<string, string>(KafkaClientDefaults.ConsumerForEmbedded(_broker.BootstrapServers, group)).Build())
                c.Commit([new TopicPartitionOffset(topic, 0, 0)]);

        // The admin client asks every broker and concatenates: each broker must answer only the groups it coordinates.
        var listed = (await _admin.ListConsumerGroupsAsync()).Valid.Select(g => g.GroupId).Where(groups.Contains).ToList();
        Assert.Equal(groups.Order(), listed.Order());
    }
}
