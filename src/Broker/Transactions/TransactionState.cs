namespace ContactCenter.Broker.Transactions;

/// <summary>Where a transactional id is in its life, as Kafka's coordinator names the states it persists.</summary>
internal enum TransactionStatus
{
    /// <summary>InitProducerId answered; nothing added yet.</summary>
    Empty,
    /// <summary>Partitions or a group were added; records and offsets may be written.</summary>
    Ongoing,
    /// <summary>EndTxn(commit) was decided and journaled; markers and offsets are being written (only seen at recovery).</summary>
    PrepareCommit,
    CompleteCommit,
    CompleteAbort,
}

/// <summary>One transactional id: its producer id and epoch, and the transaction it has open.</summary>
internal sealed class TransactionState(string transactionalId)
{
    public string TransactionalId { get; } = transactionalId;
    public long ProducerId { get; set; }
    public short Epoch { get; set; }
    public int TimeoutMs { get; set; }
    public TransactionStatus Status { get; set; }

    /// <summary>When the open transaction began (Environment.TickCount64), for transaction.timeout.ms.</summary>
    public long StartedMs { get; set; }

    public HashSet<(string Topic, int Partition)> Partitions { get; } = [];
    public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>TxnOffsetCommit's offsets, invisible to the group until the transaction commits.</summary>
    public Dictionary<(string Group, string Topic, int Partition), (long Offset, string? Metadata)> PendingOffsets { get; } = [];

    public void ClearTransaction()
    {
        Partitions.Clear();
        Groups.Clear();
        PendingOffsets.Clear();
    }
}

/// <summary>A transactional id as the admin APIs report it; <paramref name="StartedUnixMs"/> is -1 without an open transaction.</summary>
internal sealed record TransactionView(string TransactionalId, long ProducerId, short Epoch, TransactionStatus Status, int TimeoutMs,
    long StartedUnixMs, IReadOnlyList<(string Topic, int Partition)> Partitions);
