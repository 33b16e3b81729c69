using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Broker.Handlers;

/// <summary>
/// Fetch v4-11 without fetch sessions (session id 0: every request is a full fetch). A long poll: the answer goes
/// out as soon as <c>min_bytes</c> are available or <c>max_wait_ms</c> passed, woken by appends to any requested
/// partition; each partition returns as many stored batches as fit its <c>partition_max_bytes</c> and the
/// request's <c>max_bytes</c> (the first batch always, whole). A read_committed fetch (isolation level 1) stops at
/// the last stable offset and lists the aborted transactions its batches overlap, which the client drops.
/// </summary>
internal static class FetchHandler
{
    private sealed record PartitionRequest(int Partition, long Offset, int MaxBytes);

    private sealed class PartitionAnswer
    {
        public short Error;
        public long HighWatermark = -1;
        public long LogStart = -1;
        public long LastStable = -1;
        public readonly List<AbortedTransaction> Aborted = [];
        public readonly List<ReadOnlyMemory<byte>> Batches = [];
    }

    public static async Task Handle(RequestContext ctx, KafkaReader request, KafkaWriter response)
    {
        var v = ctx.Version;
        request.Int32(); // replica id
        var maxWaitMs = request.Int32();
        var minBytes = request.Int32();
        var maxBytes = request.Int32();
        var readCommitted = request.Int8() == 1; // isolation level
        if (v >= 7) { request.Int32(); request.Int32(); } // session id / epoch
        var topics = request.Array(r =>
        {
            var name = r.String();
            var partitions = r.Array(rr =>
            {
                var partition = rr.Int32();
                if (v >= 9) rr.Int32(); // current leader epoch
                var offset = rr.Int64();
                if (v >= 5) rr.Int64(); // log start offset (followers only)
                return new PartitionRequest(partition, offset, rr.Int32());
            }, 16);
            return (Name: name, Partitions: partitions);
        }, 6);
        if (v >= 7) request.Array(r => { r.String(); return r.Array(rr => rr.Int32(), 4); }, 6); // forgotten topics
        if (v >= 11) request.String(); // rack id

        if (maxBytes <= 0) maxBytes = int.MaxValue;
        var deadline = Environment.TickCount64 + Math.Max(0, maxWaitMs);
        List<PartitionAnswer> answers;
        while (true)
        {
            answers = Read(ctx, topics, maxBytes, readCommitted, out var total, out var anyError);
            var remaining = deadline - Environment.TickCount64;
            if (total >= minBytes || anyError || remaining <= 0 || ctx.Cancellation.IsCancellationRequested) break;

            var signals = new List<Task>();
            var i = 0;
            foreach (var (name, partitions) in topics)
                foreach (var p in partitions)
                {
                    var answer = answers[i++];
                    var log = ctx.Cluster.Partition(name, p.Partition);
                    if (log is not null) signals.Add(log.WaitForAppendAsync(answer.HighWatermark));
                }
            if (signals.Count == 0) signals.Add(Task.Delay(Timeout.Infinite, ctx.Cancellation));
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(ctx.Cancellation);
            var delay = Task.Delay(TimeSpan.FromMilliseconds(remaining), timer.Token);
            await Task.WhenAny(Task.WhenAny(signals), delay).ConfigureAwait(false);
            timer.Cancel();
        }

        response.Int32(0); // throttle
        if (v >= 7) response.Int16(ErrorCode.None).Int32(0); // error, session id (no sessions)
        var index = 0;
        response.Int32(topics.Count);
        foreach (var (name, partitions) in topics)
        {
            response.String(name).Int32(partitions.Count);
            foreach (var p in partitions)
            {
                var answer = answers[index++];
                response.Int32(p.Partition).Int16(answer.Error).Int64(answer.HighWatermark)
                    .Int64(answer.LastStable);
                if (v >= 5) response.Int64(answer.LogStart);
                response.Int32(answer.Aborted.Count); // read_committed: the aborted transactions these batches overlap
                foreach (var aborted in answer.Aborted) response.Int64(aborted.ProducerId).Int64(aborted.FirstOffset);
                if (v >= 11) response.Int32(-1);    // preferred read replica: the leader
                var size = 0;
                foreach (var batch in answer.Batches) size += batch.Length;
                response.Int32(size);
                foreach (var batch in answer.Batches) response.Shared(batch);
            }
        }
    }

    private static List<PartitionAnswer> Read(RequestContext ctx, List<(string Name, List<PartitionRequest> Partitions)> topics,
        int maxBytes, bool readCommitted, out int total, out bool anyError)
    {
        var answers = new List<PartitionAnswer>();
        total = 0;
        anyError = false;
        foreach (var (name, partitions) in topics)
        {
            foreach (var p in partitions)
            {
                var answer = new PartitionAnswer();
                answers.Add(answer);
                var log = ctx.Cluster.Partition(name, p.Partition);
                if (log is null) { answer.Error = ErrorCode.UnknownTopicOrPartition; anyError = true; continue; }
                if (log.Leader != ctx.Node.Id) { answer.Error = ErrorCode.NotLeaderOrFollower; anyError = true; continue; }
                var budget = Math.Min(p.MaxBytes, maxBytes - total);
                answer.Error = log.Read(p.Offset, Math.Max(budget, 0), atLeastOne: total == 0, answer.Batches,
                    out answer.HighWatermark, out answer.LogStart, out answer.LastStable, readCommitted, answer.Aborted);
                if (answer.Error != ErrorCode.None) { anyError = true; continue; }
                foreach (var batch in answer.Batches) total += batch.Length;
            }
        }
        return answers;
    }
}
