using Confluent.Kafka;
using ContactCenter.Broker;
using ContactCenter.Broker.Protocol;
using ErrorCode = ContactCenter.Broker.Protocol.ErrorCode;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// What Kafka 3.x serves beyond the transactional producer: TxnOffsetCommit v3's group-generation fencing (KIP-447),
/// driven by Confluent.Kafka's transactional producer with a real consumer's group metadata, and DescribeTransactions /
/// ListTransactions (KIP-664), which no client here speaks, over a raw connection.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class TransactionAdminTests : IDisposable
{
    private readonly KafkaBroker _broker = KafkaBroker.Start(3);

    public void Dispose() => _broker.Dispose();

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private IProducer<string, string> Transactional(string transactionalId) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            TransactionalId = transactionalId,
            TransactionTimeoutMs = 45_000,
            LingerMs = 0,
        }).Build();

    private IConsumer<string, string> Member(string group) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = group,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 500,
        }).Build();

    [Fact]
    public void Offsets_sent_with_the_group_metadata_of_an_older_generation_are_refused_and_the_current_one_commits()
    {
        var topic = Unique("gen");
        _broker.CreateTopic(topic, 2);
        var group = Unique("grp");
        using var first = Member(group);
        first.Subscribe(topic);
        WaitUntil(() => { first.Consume(TimeSpan.FromMilliseconds(100)); return first.Assignment.Count == 2; }, "the first member's assignment");
        var stale = first.ConsumerGroupMetadata;

        // A second member joins: a new generation, in which the first member's old metadata is a zombie's.
        using var second = Member(group);
        second.Subscribe(topic);
        WaitUntil(() =>
        {
            first.Consume(TimeSpan.FromMilliseconds(50));
            second.Consume(TimeSpan.FromMilliseconds(50));
            return first.Assignment.Count == 1 && second.Assignment.Count == 1;
        }, "the rebalance to two members");

        using var producer = Transactional(Unique("tid"));
        producer.InitTransactions(TimeSpan.FromSeconds(20));
        var partition = new TopicPartition(topic, 0);
        producer.BeginTransaction();
        producer.Produce(topic, new Message<string, string> { Key = "k", Value = "v" });
        var refused = Assert.ThrowsAny<KafkaException>(() =>
            producer.SendOffsetsToTransaction([new TopicPartitionOffset(partition, 5)], stale, TimeSpan.FromSeconds(20)));
        Assert.Equal(ErrorCode.IllegalGeneration, (short)refused.Error.Code);
        producer.AbortTransaction(TimeSpan.FromSeconds(20));
        Assert.Equal(Offset.Unset, first.Committed([partition], TimeSpan.FromSeconds(10))[0].Offset);

        producer.BeginTransaction();
        producer.Produce(topic, new Message<string, string> { Key = "k", Value = "w" });
        producer.SendOffsetsToTransaction([new TopicPartitionOffset(partition, 7)], first.ConsumerGroupMetadata, TimeSpan.FromSeconds(20));
        producer.CommitTransaction(TimeSpan.FromSeconds(20));
        Assert.Equal(7, first.Committed([partition], TimeSpan.FromSeconds(10))[0].Offset.Value);
    }

    [Fact]
    public async Task Describe_and_list_transactions_report_an_open_transaction_at_its_coordinator_only()
    {
        var topic = Unique("dtx");
        _broker.CreateTopic(topic, 3);
        var transactionalId = Unique("tid");
        using var producer = Transactional(transactionalId);
        producer.InitTransactions(TimeSpan.FromSeconds(20));
        producer.BeginTransaction();
        producer.Produce(new TopicPartition(topic, 2), new Message<string, string> { Key = "k", Value = "v" });
        producer.Flush(TimeSpan.FromSeconds(10));

        var brokers = _broker.BootstrapServers.Split(',');
        var listings = new List<(string Broker, List<(string Id, long ProducerId, string State)> Listed)>();
        foreach (var b in brokers)
        {
            using var connection = await RawKafkaConnection.ConnectAsync(b);
            listings.Add((b, ReadList(await connection.SendAsync(ApiKey.ListTransactions, 0, new FlexibleBody().CompactStrings().Varint(1).Tags().ToArray()), out _)));
        }
        // Exactly one broker (the coordinator) lists it, as Ongoing.
        var coordinator = Assert.Single(listings, l => l.Listed.Any(t => t.Id == transactionalId)).Broker;
        var listed = listings.Single(l => l.Broker == coordinator).Listed.Single(t => t.Id == transactionalId);
        Assert.Equal("Ongoing", listed.State);

        using (var connection = await RawKafkaConnection.ConnectAsync(coordinator))
        {
            string[] unknownIds = [.. Enumerable.Range(0, 20).Select(i => $"never-initialised-{i}")];
            var described = ReadDescribe(await connection.SendAsync(ApiKey.DescribeTransactions, 0,
                new FlexibleBody().CompactStrings([transactionalId, .. unknownIds]).Tags().ToArray()));
            var open = described[0];
            Assert.Equal((ErrorCode.None, transactionalId, "Ongoing", 45_000, listed.ProducerId), (open.Error, open.Id, open.State, open.TimeoutMs, open.ProducerId));
            Assert.InRange(open.StartedUnixMs, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Assert.True(open.Epoch >= 0);
            Assert.Equal([(topic, 2)], open.Partitions);
            // An id never initialised: TRANSACTIONAL_ID_NOT_FOUND from its coordinator, NOT_COORDINATOR from the others.
            Assert.Equal(unknownIds, described.Skip(1).Select(d => d.Id));
            Assert.All(described.Skip(1), d => Assert.Contains(d.Error, new[] { ErrorCode.TransactionalIdNotFound, ErrorCode.NotCoordinator }));
            Assert.Contains(described.Skip(1), d => d.Error == ErrorCode.TransactionalIdNotFound);

            // Filters: by state (an unknown state is echoed back), by producer id.
            var byState = ReadList(await connection.SendAsync(ApiKey.ListTransactions, 0,
                new FlexibleBody().CompactStrings("CompleteCommit", "Bogus").Varint(1).Tags().ToArray()), out var unknown);
            Assert.DoesNotContain(byState, t => t.Id == transactionalId);
            Assert.Equal(["Bogus"], unknown);
            var byProducer = ReadList(await connection.SendAsync(ApiKey.ListTransactions, 0,
                new FlexibleBody().CompactStrings().Varint(2).Int64(listed.ProducerId).Tags().ToArray()), out _);
            Assert.Equal([transactionalId], byProducer.Select(t => t.Id));
        }
        using (var other = await RawKafkaConnection.ConnectAsync(brokers.First(b => b != coordinator)))
        {
            var described = ReadDescribe(await other.SendAsync(ApiKey.DescribeTransactions, 0, new FlexibleBody().CompactStrings(transactionalId).Tags().ToArray()));
            Assert.Equal(ErrorCode.NotCoordinator, described[0].Error);
        }

        producer.CommitTransaction(TimeSpan.FromSeconds(20));
        using (var connection = await RawKafkaConnection.ConnectAsync(coordinator))
        {
            var done = ReadDescribe(await connection.SendAsync(ApiKey.DescribeTransactions, 0, new FlexibleBody().CompactStrings(transactionalId).Tags().ToArray()))[0];
            Assert.Equal(("CompleteCommit", -1L), (done.State, done.StartedUnixMs));
            Assert.Empty(done.Partitions);
        }
    }

    private static List<(string Id, long ProducerId, string State)> ReadList(KafkaReader r, out List<string> unknownStates)
    {
        Assert.Equal(0, r.Int32()); // throttle
        Assert.Equal(ErrorCode.None, r.Int16());
        unknownStates = r.CompactArray(x => x.CompactString());
        var listed = r.CompactArray(x =>
        {
            var entry = (x.CompactString(), x.Int64(), x.CompactString());
            x.SkipTaggedFields();
            return entry;
        });
        r.SkipTaggedFields();
        Assert.Equal(0, r.Remaining);
        return listed;
    }

    private sealed record Described(short Error, string Id, string State, int TimeoutMs, long StartedUnixMs, long ProducerId, short Epoch,
        List<(string Topic, int Partition)> Partitions);

    private static List<Described> ReadDescribe(KafkaReader r)
    {
        Assert.Equal(0, r.Int32());
        var states = r.CompactArray(x =>
        {
            var (error, id, state, timeout, started, producerId, epoch) = (x.Int16(), x.CompactString(), x.CompactString(), x.Int32(), x.Int64(), x.Int64(), x.Int16());
            var partitions = x.CompactArray(t =>
            {
                var name = t.CompactString();
                var ps = t.CompactArray(p => p.Int32(), 4);
                t.SkipTaggedFields();
                return ps.Select(p => (name, p)).ToList();
            }).SelectMany(p => p).ToList();
            x.SkipTaggedFields();
            return new Described(error, id, state, timeout, started, producerId, epoch, partitions);
        });
        r.SkipTaggedFields();
        Assert.Equal(0, r.Remaining);
        return states;
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 30 s for {what}");
    }
}
