using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Broker.Transactions;

/// <summary>
/// The transaction coordinator (KIP-98) of the whole embedded cluster: transactional ids, their producer ids and
/// epochs, the partitions and groups of each open transaction and its pending offsets. Ending a transaction writes a
/// marker to every partition in it (and, on commit, makes its offsets the group's) before it answers, under one lock,
/// so no request ever sees a transaction half-ended (Kafka answers CONCURRENT_TRANSACTIONS in that window). A new
/// epoch (InitProducerId) or a timeout aborts an open transaction and fences the producer that had it.
/// Errors are Kafka's: <see cref="ErrorCode.ProducerFenced"/> is returned as is; handlers of request versions that
/// predate it answer INVALID_PRODUCER_EPOCH, as Kafka does for old clients.
/// </summary>
internal sealed class TransactionCoordinator : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TransactionState> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<long, TransactionState> _byProducer = new();
    private readonly ClusterState _cluster;
    private readonly TransactionJournal? _journal;
    private readonly Func<long> _nowMs;

    public TransactionCoordinator(ClusterState cluster, Func<long>? nowMs = null)
    {
        _cluster = cluster;
        _nowMs = nowMs ?? (() => Environment.TickCount64);
        if (cluster.Options.DataDirectory is { } root)
        {
            Directory.CreateDirectory(root);
            _journal = new TransactionJournal(Path.Combine(root, "__transaction_state.jsonl"));
        }
    }

    public void Dispose() => _journal?.Dispose();

    /// <summary>
    /// Loads the journal (topics must be loaded): a decided commit is finished, an open transaction is aborted and its
    /// producer fenced (its client is gone with the old process, or will find out).
    /// </summary>
    public void Recover()
    {
        if (_journal is null) return;
        lock (_gate)
        {
            foreach (var e in _journal.LoadAndCompact())
            {
                var state = new TransactionState(e.TransactionalId)
                {
                    ProducerId = e.ProducerId, Epoch = e.Epoch, TimeoutMs = e.TimeoutMs, Status = e.Status, StartedMs = _nowMs(),
                };
                foreach (var p in e.Partitions) state.Partitions.Add((p.Topic, p.Partition));
                foreach (var g in e.Groups) state.Groups.Add(g);
                foreach (var o in e.Offsets) state.PendingOffsets[(o.Group, o.Topic, o.Partition)] = (o.Offset, o.Metadata);
                _byId[state.TransactionalId] = state;
                _byProducer[state.ProducerId] = state;
                if (state.Status == TransactionStatus.PrepareCommit) Complete(state, commit: true, fence: false, onlyOpen: true);
                else if (state.Status == TransactionStatus.Ongoing) Complete(state, commit: false, fence: true, onlyOpen: true);
            }
        }
    }

    /// <summary>
    /// InitProducerId for a transactional id: the same producer id with the next epoch (a new one at first use), which
    /// fences every older instance; a transaction the previous instance left open is aborted first.
    /// </summary>
    public (short Error, long ProducerId, short Epoch) InitProducerId(string transactionalId, int timeoutMs)
    {
        if (transactionalId.Length == 0) return (ErrorCode.InvalidRequest, -1, -1);
        if (timeoutMs <= 0 || timeoutMs > _cluster.Options.MaxTransactionTimeout.TotalMilliseconds)
            return (ErrorCode.InvalidTransactionTimeout, -1, -1);
        lock (_gate)
        {
            if (!_byId.TryGetValue(transactionalId, out var state))
            {
                state = new TransactionState(transactionalId) { ProducerId = _cluster.NextProducerId() };
                _byId[transactionalId] = state;
                _byProducer[state.ProducerId] = state;
            }
            else
            {
                if (state.Status == TransactionStatus.Ongoing) Complete(state, commit: false, fence: true, onlyOpen: false);
                BumpEpoch(state);
            }
            state.TimeoutMs = timeoutMs;
            state.Status = TransactionStatus.Empty;
            state.ClearTransaction();
            _journal?.Append(state);
            return (ErrorCode.None, state.ProducerId, state.Epoch);
        }
    }

    /// <summary>AddPartitionsToTxn: the error of each partition (all the same unless some are unknown).</summary>
    public List<(string Topic, List<(int Partition, short Error)> Partitions)> AddPartitions(string transactionalId, long producerId, short epoch,
        IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)> topics)
    {
        lock (_gate)
        {
            var error = Validate(transactionalId, producerId, epoch, out var state);
            if (error == ErrorCode.None)
            {
                var anyUnknown = topics.Any(t => t.Partitions.Any(p => _cluster.Partition(t.Topic, p) is null));
                if (anyUnknown)
                    return topics.Select(t => (t.Topic, t.Partitions.Select(p =>
                        (p, _cluster.Partition(t.Topic, p) is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.OperationNotAttempted)).ToList())).ToList();
                Begin(state!);
                var added = false;
                foreach (var (topic, partitions) in topics)
                    foreach (var p in partitions) added |= state!.Partitions.Add((topic, p));
                if (added) _journal?.Append(state!);
            }
            return topics.Select(t => (t.Topic, t.Partitions.Select(p => (p, error)).ToList())).ToList();
        }
    }

    /// <summary>AddOffsetsToTxn: the group's offsets may be written in this transaction (TxnOffsetCommit).</summary>
    public short AddOffsets(string transactionalId, long producerId, short epoch, string groupId)
    {
        if (groupId.Length == 0) return ErrorCode.InvalidGroupId;
        lock (_gate)
        {
            var error = Validate(transactionalId, producerId, epoch, out var state);
            if (error != ErrorCode.None) return error;
            Begin(state!);
            if (state!.Groups.Add(groupId)) _journal?.Append(state);
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// TxnOffsetCommit: offsets held by the transaction, the group's only when it commits. The group must have been
    /// added (AddOffsetsToTxn) to the open transaction, else INVALID_TXN_STATE.
    /// </summary>
    public List<(string Topic, List<(int Partition, short Error)> Partitions)> CommitOffsets(string transactionalId, string groupId, long producerId, short epoch,
        IReadOnlyList<(string Topic, IReadOnlyList<(int Partition, long Offset, string? Metadata)> Partitions)> topics)
    {
        lock (_gate)
        {
            var error = Validate(transactionalId, producerId, epoch, out var state);
            if (error == ErrorCode.None && (state!.Status != TransactionStatus.Ongoing || !state.Groups.Contains(groupId)))
                error = ErrorCode.InvalidTxnState;
            var result = new List<(string, List<(int, short)>)>();
            foreach (var (topic, partitions) in topics)
            {
                var answers = new List<(int, short)>();
                foreach (var (partition, offset, metadata) in partitions)
                {
                    var e = error;
                    if (e == ErrorCode.None && _cluster.Partition(topic, partition) is null) e = ErrorCode.UnknownTopicOrPartition;
                    if (e == ErrorCode.None) state!.PendingOffsets[(groupId, topic, partition)] = (offset, metadata);
                    answers.Add((partition, e));
                }
                result.Add((topic, answers));
            }
            return result;
        }
    }

    /// <summary>EndTxn: commit or abort the open transaction; repeating the last outcome is answered as done (a retry).</summary>
    public short End(string transactionalId, long producerId, short epoch, bool commit)
    {
        lock (_gate)
        {
            var error = Validate(transactionalId, producerId, epoch, out var state);
            if (error != ErrorCode.None) return error;
            switch (state!.Status)
            {
                case TransactionStatus.Ongoing:
                    Complete(state, commit, fence: false, onlyOpen: false);
                    return ErrorCode.None;
                case TransactionStatus.CompleteCommit when commit:
                case TransactionStatus.CompleteAbort when !commit:
                    return ErrorCode.None;
                default:
                    return ErrorCode.InvalidTxnState;
            }
        }
    }

    /// <summary>
    /// Appends a transactional batch if its producer's current transaction holds the partition: an older epoch is a
    /// zombie (INVALID_PRODUCER_EPOCH), a partition not added or no open transaction is INVALID_TXN_STATE. Under the
    /// coordinator's lock, so a batch never lands after the marker that ended its transaction.
    /// </summary>
    public PartitionLog.AppendResult AppendTransactional(PartitionLog log, ReadOnlyMemory<byte> batch, in RecordBatch header)
    {
        lock (_gate)
        {
            if (!_byProducer.TryGetValue(header.ProducerId, out var state))
                return new PartitionLog.AppendResult(ErrorCode.InvalidProducerIdMapping, -1, log.LogStartOffset);
            if (header.ProducerEpoch != state.Epoch)
                return new PartitionLog.AppendResult(ErrorCode.InvalidProducerEpoch, -1, log.LogStartOffset);
            if (state.Status != TransactionStatus.Ongoing || !state.Partitions.Contains((log.Topic, log.Partition)))
                return new PartitionLog.AppendResult(ErrorCode.InvalidTxnState, -1, log.LogStartOffset);
            return log.Append(batch.Span, header, leaderEpoch: 0);
        }
    }

    /// <summary>Aborts (and fences) every transaction open longer than its timeout; called by the housekeeping timer.</summary>
    public void Tick()
    {
        lock (_gate)
        {
            var now = _nowMs();
            foreach (var state in _byId.Values)
            {
                if (state.Status != TransactionStatus.Ongoing || now - state.StartedMs <= state.TimeoutMs) continue;
                _cluster.Logger.LogInformation("Transaction of {TransactionalId} open longer than {TimeoutMs} ms: aborted, producer epoch {Epoch} fenced",
                    state.TransactionalId, state.TimeoutMs, state.Epoch);
                Complete(state, commit: false, fence: true, onlyOpen: false);
            }
        }
    }

    /// <summary>A snapshot of a transactional id (tests, diagnostics); null when unknown.</summary>
    public (long ProducerId, short Epoch, TransactionStatus Status, int Partitions)? Describe(string transactionalId)
    {
        lock (_gate)
            return _byId.TryGetValue(transactionalId, out var s) ? (s.ProducerId, s.Epoch, s.Status, s.Partitions.Count) : null;
    }

    /// <summary>Every transactional id the coordinator knows, as DescribeTransactions and ListTransactions report them.</summary>
    public List<TransactionView> Snapshot()
    {
        var nowUnix = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var now = _nowMs();
            return _byId.Values.Select(s => new TransactionView(s.TransactionalId, s.ProducerId, s.Epoch, s.Status, s.TimeoutMs,
                s.Status == TransactionStatus.Ongoing ? nowUnix - (now - s.StartedMs) : -1,
                s.Partitions.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList())).ToList();
        }
    }

    private short Validate(string transactionalId, long producerId, short epoch, out TransactionState? state)
    {
        if (!_byId.TryGetValue(transactionalId, out state) || state.ProducerId != producerId) return ErrorCode.InvalidProducerIdMapping;
        return epoch != state.Epoch ? ErrorCode.ProducerFenced : ErrorCode.None;
    }

    private void Begin(TransactionState state)
    {
        if (state.Status == TransactionStatus.Ongoing) return;
        state.ClearTransaction();
        state.Status = TransactionStatus.Ongoing;
        state.StartedMs = _nowMs();
    }

    private void BumpEpoch(TransactionState state)
    {
        if (state.Epoch < short.MaxValue - 1)
        {
            state.Epoch++;
            return;
        }
        // Epochs exhausted: a new producer id, as Kafka does.
        _byProducer.Remove(state.ProducerId);
        state.ProducerId = _cluster.NextProducerId();
        state.Epoch = 0;
        _byProducer[state.ProducerId] = state;
    }

    /// <summary>
    /// Ends the open transaction: a commit is journaled as decided first (so a crash finishes it at recovery), then a
    /// marker goes to each partition (with <paramref name="onlyOpen"/>, only where the producer still has one open),
    /// then a commit's offsets become the groups'. <paramref name="fence"/> bumps the epoch first (timeouts, a new
    /// instance), so the markers themselves fence the old producer.
    /// </summary>
    private void Complete(TransactionState state, bool commit, bool fence, bool onlyOpen)
    {
        if (fence) BumpEpoch(state);
        if (commit)
        {
            state.Status = TransactionStatus.PrepareCommit;
            _journal?.Append(state);
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (topic, partition) in state.Partitions)
        {
            if (_cluster.Partition(topic, partition) is not { } log) continue; // deleted meanwhile
            if (onlyOpen && !log.HasOpenTransaction(state.ProducerId)) continue;
            log.AppendMarker(state.ProducerId, state.Epoch, commit, now);
        }
        if (commit)
            foreach (var ((group, topic, partition), (offset, metadata)) in state.PendingOffsets)
                if (state.Groups.Contains(group)) _cluster.Groups.StoreOffset(group, topic, partition, offset, metadata);
        state.Status = commit ? TransactionStatus.CompleteCommit : TransactionStatus.CompleteAbort;
        state.ClearTransaction();
        _journal?.Append(state);
    }
}
