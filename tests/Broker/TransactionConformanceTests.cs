using Confluent.Kafka;
using ContactCenter.Broker;
using ContactCenter.Broker.Transactions;
using ContactCenter.Tests.Processor.Kafka;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// Transactions on the native broker, driven by Confluent.Kafka's (librdkafka's) transactional producer: what a
/// read_committed and a read_uncommitted consumer see after commits, aborts, fencing and timeouts, and where
/// transactional consumer offsets become visible.
/// </summary>
[Trait("Kind", "Integration")]
public sealed class TransactionConformanceTests : IDisposable
{
    private KafkaBroker _broker = KafkaBroker.Start(3);
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"cc-txn-data-{Guid.NewGuid():N}");

    public void Dispose()
    {
        _broker.Dispose();
        try { Directory.Delete(_dataDir, recursive: true); } catch (DirectoryNotFoundException) { } catch (IOException) { }
    }

    /// <summary>This test's broker replaced by one persisting to <see cref="_dataDir"/> (a restart when called again).</summary>
    private void StartPersistent()
    {
        _broker.Dispose();
        _broker = KafkaBroker.Start(3, new KafkaBrokerOptions { DataDirectory = _dataDir });
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    private IProducer<string, string> Transactional(string transactionalId, int timeoutMs = 30_000) =>
        new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            TransactionalId = transactionalId,
            TransactionTimeoutMs = timeoutMs,
            LingerMs = 0,
        }).Build();

    private IProducer<string, string> Plain() =>
        new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, LingerMs = 0, EnableIdempotence = true }).Build();

    private IConsumer<string, string> Reader(IsolationLevel isolation, string? group = null) =>
        new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _broker.BootstrapServers,
            GroupId = group ?? Unique("reader"),
            IsolationLevel = isolation,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = 50,
        }).Build();

    private static void Send(IProducer<string, string> producer, string topic, string prefix, int count)
    {
        for (var i = 0; i < count; i++) producer.Produce(topic, new Message<string, string> { Key = $"k{i % 3}", Value = $"{prefix}-{i}" });
        producer.Flush(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Everything a consumer reads from the start of <paramref name="topic"/>: a plain "end" record is written to
    /// every partition first, and reading stops when all of them arrived, so it ends exactly after what came before
    /// (for read_committed, after every transaction before it was decided), not after a quiet period.
    /// </summary>
    private List<string> ReadAll(string topic, IsolationLevel isolation, int partitions)
    {
        using (var plain = Plain())
        {
            for (var p = 0; p < partitions; p++) plain.Produce(new TopicPartition(topic, p), new Message<string, string> { Key = "end", Value = "end" });
            plain.Flush(TimeSpan.FromSeconds(10));
        }
        using var consumer = Reader(isolation);
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        var ended = new HashSet<int>();
        var deadline = DateTime.UtcNow + KafkaTestClient.DefaultDeadline;
        while (ended.Count < partitions)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"read {values.Count} records and {ended.Count} end marks of {topic} before the deadline");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (result?.Message is null) continue;
            // The first end mark of a partition ends it (an earlier read may have left one too).
            if (result.Message.Value == "end") ended.Add(result.Partition.Value);
            else if (!ended.Contains(result.Partition.Value)) values.Add(result.Message.Value);
        }
        return values;
    }

    [Fact]
    public void Read_committed_sees_committed_records_once_and_aborted_ones_never_read_uncommitted_sees_all()
    {
        var topic = Unique("txn");
        _broker.CreateTopic(topic, 3);
        using var producer = Transactional(Unique("tid"));
        using var plain = Plain();
        producer.InitTransactions(TimeSpan.FromSeconds(20));

        producer.BeginTransaction();
        Send(producer, topic, "first", 30);
        producer.CommitTransaction(TimeSpan.FromSeconds(20));

        producer.BeginTransaction();
        Send(producer, topic, "aborted", 30);
        Send(plain, topic, "plain", 6); // interleaved with the aborted transaction, not part of it
        producer.AbortTransaction(TimeSpan.FromSeconds(20));

        producer.BeginTransaction();
        Send(producer, topic, "second", 30);
        producer.CommitTransaction(TimeSpan.FromSeconds(20));

        var committed = ReadAll(topic, IsolationLevel.ReadCommitted, 3);
        var expected = Enumerable.Range(0, 30).Select(i => $"first-{i}")
            .Concat(Enumerable.Range(0, 30).Select(i => $"second-{i}"))
            .Concat(Enumerable.Range(0, 6).Select(i => $"plain-{i}")).Order().ToList();
        Assert.Equal(expected, committed.Order().ToList());

        var uncommitted = ReadAll(topic, IsolationLevel.ReadUncommitted, 3);
        Assert.Equal(expected.Concat(Enumerable.Range(0, 30).Select(i => $"aborted-{i}")).Order().ToList(), uncommitted.Order().ToList());
    }

    [Fact]
    public void Read_committed_never_passes_an_open_transaction_even_for_later_committed_records()
    {
        var topic = Unique("lso");
        _broker.CreateTopic(topic, 1);
        using var producer = Transactional(Unique("tid"));
        using var plain = Plain();
        producer.InitTransactions(TimeSpan.FromSeconds(20));
        producer.BeginTransaction();
        Send(producer, topic, "open", 1);           // offset 0, in a transaction left open for now
        Send(plain, topic, "after", 1);             // offset 1, not transactional

        using var committed = Reader(IsolationLevel.ReadCommitted);
        committed.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        // The plain record is on the broker (a read_uncommitted reader gets it) ...
        using var uncommitted = Reader(IsolationLevel.ReadUncommitted);
        uncommitted.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        Assert.Equal(["open-0", "after-0"], KafkaTestClient.ConsumeExactly(uncommitted, 2).Select(r => r.Message.Value));
        Assert.Equal(0, _broker.Cluster.Partition(topic, 0)!.LastStableOffset);

        // ... but the read_committed reader, polling meanwhile, gets both in offset order only after the commit:
        // had it been handed offset 1 before, "open-0" could never come first.
        Assert.Null(committed.Consume(TimeSpan.FromMilliseconds(300)));
        producer.CommitTransaction(TimeSpan.FromSeconds(20));
        var read = KafkaTestClient.ConsumeExactly(committed, 2);
        Assert.Equal(["open-0", "after-0"], read.Select(r => r.Message.Value));
        Assert.Equal([0L, 1L], read.Select(r => r.Offset.Value));
    }

    [Fact]
    public void Offsets_sent_to_a_transaction_reach_the_group_only_when_it_commits()
    {
        var topic = Unique("off");
        _broker.CreateTopic(topic, 1);
        var group = Unique("grp");
        using var producer = Transactional(Unique("tid"));
        producer.InitTransactions(TimeSpan.FromSeconds(20));
        using var consumer = Reader(IsolationLevel.ReadCommitted, group);
        var metadata = consumer.ConsumerGroupMetadata;
        var partition = new TopicPartition(topic, 0);

        producer.BeginTransaction();
        Send(producer, topic, "a", 1);
        producer.SendOffsetsToTransaction([new TopicPartitionOffset(partition, 7)], metadata, TimeSpan.FromSeconds(20));
        Assert.Equal(Offset.Unset, consumer.Committed([partition], TimeSpan.FromSeconds(10))[0].Offset); // pending, not visible
        producer.AbortTransaction(TimeSpan.FromSeconds(20));
        Assert.Equal(Offset.Unset, consumer.Committed([partition], TimeSpan.FromSeconds(10))[0].Offset); // aborted: never visible

        producer.BeginTransaction();
        Send(producer, topic, "b", 1);
        producer.SendOffsetsToTransaction([new TopicPartitionOffset(partition, 9)], metadata, TimeSpan.FromSeconds(20));
        Assert.Equal(Offset.Unset, consumer.Committed([partition], TimeSpan.FromSeconds(10))[0].Offset);
        producer.CommitTransaction(TimeSpan.FromSeconds(20));
        Assert.Equal(9, consumer.Committed([partition], TimeSpan.FromSeconds(10))[0].Offset.Value);
    }

    [Fact]
    public void A_zombie_with_an_old_epoch_is_fenced_and_its_open_transaction_aborted()
    {
        var topic = Unique("zombie");
        _broker.CreateTopic(topic, 2);
        var id = Unique("tid");
        using var zombie = Transactional(id);
        zombie.InitTransactions(TimeSpan.FromSeconds(20));
        zombie.BeginTransaction();
        Send(zombie, topic, "zombie", 10);
        var before = _broker.Cluster.Transactions.Describe(id)!.Value;

        using var successor = Transactional(id);
        successor.InitTransactions(TimeSpan.FromSeconds(20)); // aborts the zombie's transaction, bumps the epoch
        var after = _broker.Cluster.Transactions.Describe(id)!.Value;
        Assert.Equal(before.ProducerId, after.ProducerId);
        Assert.True(after.Epoch > before.Epoch);

        // The zombie can neither write nor commit any more.
        var error = Assert.Throws<KafkaException>(() =>
        {
            zombie.Produce(topic, new Message<string, string> { Key = "k", Value = "late" });
            zombie.Flush(TimeSpan.FromSeconds(10));
            zombie.CommitTransaction(TimeSpan.FromSeconds(20));
        });
        Assert.True(error.Error.IsFatal || error.Error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch,
            $"expected the zombie fenced, got {error.Error.Code}: {error.Error.Reason}");

        successor.BeginTransaction();
        Send(successor, topic, "successor", 10);
        successor.CommitTransaction(TimeSpan.FromSeconds(20));

        var committed = ReadAll(topic, IsolationLevel.ReadCommitted, 2);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"successor-{i}").Order(), committed.Order());
    }

    [Fact]
    public void A_transaction_open_longer_than_its_timeout_is_aborted_and_its_producer_fenced()
    {
        var topic = Unique("timeout");
        _broker.CreateTopic(topic, 1);
        var id = Unique("tid");
        using var producer = Transactional(id, timeoutMs: 1000);
        producer.InitTransactions(TimeSpan.FromSeconds(20));
        producer.BeginTransaction();
        Send(producer, topic, "slow", 5);
        var log = _broker.Cluster.Partition(topic, 0)!;
        Assert.Equal(0, log.LastStableOffset);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_broker.Cluster.Transactions.Describe(id)!.Value.Status != TransactionStatus.CompleteAbort)
        {
            Assert.True(DateTime.UtcNow < deadline, "the broker did not abort the timed-out transaction");
            Thread.Sleep(50);
        }
        Assert.Equal(log.HighWatermark, log.LastStableOffset); // the abort marker closed it
        Assert.ThrowsAny<KafkaException>(() => producer.CommitTransaction(TimeSpan.FromSeconds(20)));
        Assert.Empty(ReadAll(topic, IsolationLevel.ReadCommitted, 1));
        Assert.Equal(5, ReadAll(topic, IsolationLevel.ReadUncommitted, 1).Count);
    }

    [Fact]
    public void After_a_restart_committed_transactions_stay_visible_and_an_open_one_is_aborted_and_fenced()
    {
        StartPersistent();
        var topic = Unique("kept");
        _broker.CreateTopic(topic, 2);
        var id = Unique("tid");
        short epochBefore;
        using (var producer = Transactional(id))
        {
            producer.InitTransactions(TimeSpan.FromSeconds(20));
            producer.BeginTransaction();
            Send(producer, topic, "committed", 10);
            producer.CommitTransaction(TimeSpan.FromSeconds(20));
            producer.BeginTransaction();
            Send(producer, topic, "open", 10);           // left open when the broker stops
            epochBefore = _broker.Cluster.Transactions.Describe(id)!.Value.Epoch;
            StartPersistent();                          // the broker goes away with the transaction open
        }

        var state = _broker.Cluster.Transactions.Describe(id)!.Value;
        Assert.Equal(TransactionStatus.CompleteAbort, state.Status);
        Assert.True(state.Epoch > epochBefore, "the open transaction's producer must be fenced");
        for (var p = 0; p < 2; p++)
        {
            var log = _broker.Cluster.Partition(topic, p)!;
            Assert.Equal(log.HighWatermark, log.LastStableOffset);
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"committed-{i}").Order(), ReadAll(topic, IsolationLevel.ReadCommitted, 2).Order());

        using var successor = Transactional(id);        // the same transactional id carries on after the restart
        successor.InitTransactions(TimeSpan.FromSeconds(20));
        successor.BeginTransaction();
        Send(successor, topic, "after", 4);
        successor.CommitTransaction(TimeSpan.FromSeconds(20));
        var after = _broker.Cluster.Transactions.Describe(id)!.Value;
        Assert.Equal((state.ProducerId, TransactionStatus.CompleteCommit), (after.ProducerId, after.Status));
        Assert.True(after.Epoch > state.Epoch);
    }
}
