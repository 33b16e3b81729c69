using System.Buffers.Binary;
using System.Text;
using ContactCenter.Broker;
using ContactCenter.Broker.Handlers;
using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;
using ContactCenter.Broker.Transactions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Tests.Broker;

/// <summary>The transaction coordinator's answers (Kafka's error codes) and its recovery from the journal, without a network.</summary>
[Trait("Kind", "Unit")]
public sealed class TransactionCoordinatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-txn-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static ClusterState Cluster(string? dataDirectory = null)
    {
        var cluster = new ClusterState(new KafkaBrokerOptions { DataDirectory = dataDirectory }, NullLogger.Instance);
        cluster.Brokers.Add(new BrokerNode(1, "127.0.0.1", 0));
        cluster.LoadPersisted();
        cluster.TryCreate("t", 2, 1, new Dictionary<string, string>(), out _);
        return cluster;
    }

    /// <summary>A transactional batch of one record (attributes bit 4), CRC recomputed.</summary>
    internal static byte[] TransactionalBatch(long producerId, short epoch, int sequence, string value = "v")
    {
        var batch = TestBatches.Build(1000, [(0L, (byte[]?)null, (byte[]?)Encoding.UTF8.GetBytes(value))], producerId, epoch, sequence);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), 0x10);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), Crc32C.Compute(batch.AsSpan(21)));
        return batch;
    }

    private static short Append(ClusterState cluster, byte[] batch, int partition = 0)
    {
        RecordBatch.TryRead(batch, out var header);
        return cluster.Transactions.AppendTransactional(cluster.Partition("t", partition)!, batch, header).Error;
    }

    private static short AddPartition(TransactionCoordinator coordinator, string id, long pid, short epoch, int partition = 0) =>
        coordinator.AddPartitions(id, pid, epoch, [("t", [partition])])[0].Partitions[0].Error;

    [Fact]
    public void InitProducerId_refuses_an_empty_id_and_timeouts_out_of_range()
    {
        using var cluster = Cluster();
        Assert.Equal(ErrorCode.InvalidRequest, cluster.Transactions.InitProducerId("", 1000).Error);
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, cluster.Transactions.InitProducerId("a", 0).Error);
        Assert.Equal(ErrorCode.InvalidTransactionTimeout, cluster.Transactions.InitProducerId("a", 15 * 60_000 + 1).Error);
        Assert.Equal(ErrorCode.None, cluster.Transactions.InitProducerId("a", 15 * 60_000).Error);
    }

    [Fact]
    public void Each_InitProducerId_keeps_the_producer_id_and_bumps_the_epoch_fencing_the_older_one()
    {
        using var cluster = Cluster();
        var tc = cluster.Transactions;
        var (_, pid, epoch0) = tc.InitProducerId("a", 60_000);
        var (_, pid1, epoch1) = tc.InitProducerId("a", 60_000);
        Assert.Equal(pid, pid1);
        Assert.Equal(epoch0 + 1, epoch1);
        Assert.Equal(ErrorCode.ProducerFenced, AddPartition(tc, "a", pid, epoch0));
        Assert.Equal(ErrorCode.ProducerFenced, tc.AddOffsets("a", pid, epoch0, "g"));
        Assert.Equal(ErrorCode.ProducerFenced, tc.End("a", pid, epoch0, commit: true));
        Assert.Equal(ErrorCode.None, AddPartition(tc, "a", pid, epoch1));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Append(cluster, TransactionalBatch(pid, epoch0, 0)));
        Assert.Equal(ErrorCode.None, Append(cluster, TransactionalBatch(pid, epoch1, 0)));
    }

    [Fact]
    public void Old_request_versions_get_INVALID_PRODUCER_EPOCH_where_new_ones_get_PRODUCER_FENCED()
    {
        Assert.Equal(ErrorCode.InvalidProducerEpoch, TransactionErrors.ForVersion(ErrorCode.ProducerFenced, 1, fencedSince: 2));
        Assert.Equal(ErrorCode.ProducerFenced, TransactionErrors.ForVersion(ErrorCode.ProducerFenced, 2, fencedSince: 2));
        Assert.Equal(ErrorCode.InvalidTxnState, TransactionErrors.ForVersion(ErrorCode.InvalidTxnState, 0, fencedSince: 2));
    }

    [Fact]
    public void An_unknown_id_or_a_wrong_producer_id_is_INVALID_PRODUCER_ID_MAPPING()
    {
        using var cluster = Cluster();
        var tc = cluster.Transactions;
        var (_, pid, epoch) = tc.InitProducerId("a", 60_000);
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, AddPartition(tc, "nobody", pid, epoch));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, tc.End("a", pid + 1, epoch, commit: false));
        Assert.Equal(ErrorCode.InvalidProducerIdMapping, Append(cluster, TransactionalBatch(pid + 12345, 0, 0)));
    }

    [Fact]
    public void EndTxn_with_nothing_open_is_INVALID_TXN_STATE_and_a_repeated_outcome_is_a_retry()
    {
        using var cluster = Cluster();
        var tc = cluster.Transactions;
        var (_, pid, epoch) = tc.InitProducerId("a", 60_000);
        Assert.Equal(ErrorCode.InvalidTxnState, tc.End("a", pid, epoch, commit: true));
        Assert.Equal(ErrorCode.None, AddPartition(tc, "a", pid, epoch));
        Assert.Equal(ErrorCode.None, tc.End("a", pid, epoch, commit: true));
        Assert.Equal(ErrorCode.None, tc.End("a", pid, epoch, commit: true));          // the client retried
        Assert.Equal(ErrorCode.InvalidTxnState, tc.End("a", pid, epoch, commit: false)); // abort what was committed
    }

    [Fact]
    public void Unknown_partitions_fail_the_whole_AddPartitionsToTxn_and_add_nothing()
    {
        using var cluster = Cluster();
        var tc = cluster.Transactions;
        var (_, pid, epoch) = tc.InitProducerId("a", 60_000);
        var result = tc.AddPartitions("a", pid, epoch, [("t", [0, 7]), ("missing", [0])]);
        Assert.Equal([ErrorCode.OperationNotAttempted, ErrorCode.UnknownTopicOrPartition], result[0].Partitions.Select(p => p.Error));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, result[1].Partitions[0].Error);
        Assert.Equal(ErrorCode.InvalidTxnState, Append(cluster, TransactionalBatch(pid, epoch, 0)));
    }

    [Fact]
    public void Records_need_their_partition_in_the_open_transaction_and_offsets_their_group()
    {
        using var cluster = Cluster();
        var tc = cluster.Transactions;
        var (_, pid, epoch) = tc.InitProducerId("a", 60_000);
        Assert.Equal(ErrorCode.None, AddPartition(tc, "a", pid, epoch, partition: 0));
        Assert.Equal(ErrorCode.InvalidTxnState, Append(cluster, TransactionalBatch(pid, epoch, 0), partition: 1));
        var offsets = tc.CommitOffsets("a", "g", pid, epoch, [("t", [(0, 5L, null)])]);
        Assert.Equal(ErrorCode.InvalidTxnState, offsets[0].Partitions[0].Error); // no AddOffsetsToTxn for g
        Assert.Equal(ErrorCode.None, tc.AddOffsets("a", pid, epoch, "g"));
        Assert.Equal(ErrorCode.None, tc.CommitOffsets("a", "g", pid, epoch, [("t", [(0, 5L, "m")])])[0].Partitions[0].Error);
        Assert.Equal(-1, cluster.Groups.Committed("g", [("t", [0])])[0].Offset);
        Assert.Equal(ErrorCode.None, tc.End("a", pid, epoch, commit: true));
        Assert.Equal((5L, "m"), cluster.Groups.Committed("g", [("t", [0])]).Select(c => (c.Offset, c.Metadata)).Single());
    }

    [Fact]
    public void A_commit_decided_before_a_crash_is_finished_at_recovery_and_an_open_transaction_is_aborted()
    {
        long committer, opener;
        using (var cluster = Cluster(_dir))
        {
            var tc = cluster.Transactions;
            (_, committer, var e1) = tc.InitProducerId("committer", 60_000);
            (_, opener, var e2) = tc.InitProducerId("opener", 60_000);
            Assert.Equal(ErrorCode.None, AddPartition(tc, "committer", committer, e1, partition: 0));
            Assert.Equal(ErrorCode.None, tc.AddOffsets("committer", committer, e1, "g"));
            tc.CommitOffsets("committer", "g", committer, e1, [("t", [(0, 1L, null)])]);
            Assert.Equal(ErrorCode.None, Append(cluster, TransactionalBatch(committer, e1, 0, "c")));
            Assert.Equal(ErrorCode.None, AddPartition(tc, "opener", opener, e2, partition: 1));
            Assert.Equal(ErrorCode.None, Append(cluster, TransactionalBatch(opener, e2, 0, "o"), partition: 1));
        }
        // The process died after journaling the commit decision but before any marker: write that line as EndTxn would.
        using (var journal = new TransactionJournal(Path.Combine(_dir, "__transaction_state.jsonl")))
        {
            var decided = new TransactionState("committer") { ProducerId = committer, Epoch = 0, TimeoutMs = 60_000, Status = TransactionStatus.PrepareCommit };
            decided.Partitions.Add(("t", 0));
            decided.Groups.Add("g");
            decided.PendingOffsets[("g", "t", 0)] = (1, null);
            journal.Append(decided);
        }

        using (var cluster = Cluster(_dir))
        {
            var p0 = cluster.Partition("t", 0)!;
            var p1 = cluster.Partition("t", 1)!;
            Assert.Equal(p0.HighWatermark, p0.LastStableOffset);
            Assert.Equal(p1.HighWatermark, p1.LastStableOffset);
            Assert.Equal(TransactionStatus.CompleteCommit, cluster.Transactions.Describe("committer")!.Value.Status);
            Assert.Equal(TransactionStatus.CompleteAbort, cluster.Transactions.Describe("opener")!.Value.Status);
            Assert.Equal(1, cluster.Groups.Committed("g", [("t", [0])])[0].Offset);

            var batches = new List<ReadOnlyMemory<byte>>();
            var aborted = new List<AbortedTransaction>();
            p0.Read(0, int.MaxValue, true, batches, out _, out _, readCommitted: true, aborted);
            Assert.Equal(true, ControlBatch.IsCommit(batches[^1].Span));
            Assert.Empty(aborted);
            batches.Clear();
            p1.Read(0, int.MaxValue, true, batches, out _, out _, readCommitted: true, aborted);
            Assert.Equal(false, ControlBatch.IsCommit(batches[^1].Span));
            Assert.Equal([new AbortedTransaction(opener, 0, 1)], aborted);
            // The opener's old epoch is fenced: its marker carries the bumped one.
            Assert.Equal(ErrorCode.ProducerFenced, cluster.Transactions.End("opener", opener, 0, commit: true));
        }
    }
}
