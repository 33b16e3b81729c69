using System.Text;
using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;

namespace ContactCenter.Tests.Broker;

/// <summary>cleanup.policy=compact on the partition log: latest record per key, tombstones kept for a while.</summary>
[Trait("Kind", "Unit")]
public sealed class CompactionTests
{
    private static void Append(PartitionLog log, byte[] batch)
    {
        Assert.True(RecordBatch.TryRead(batch, out var header));
        Assert.Equal(ErrorCode.None, log.Append(batch, header, 0).Error);
    }

    private static List<(long Offset, string Key, string? Value)> ReadAll(PartitionLog log)
    {
        var batches = new List<ReadOnlyMemory<byte>>();
        Assert.Equal(ErrorCode.None, log.Read(log.LogStartOffset, int.MaxValue, true, batches, out _, out _));
        var result = new List<(long, string, string?)>();
        foreach (var batch in batches)
        {
            Assert.True(RecordBatch.CrcMatches(batch.Span));
            foreach (var r in LogCompactor.Records(batch.Span)!.Spans)
                result.Add((r.Offset, Encoding.UTF8.GetString(r.Key!), r.Tombstone ? null : "v"));
        }
        return result;
    }

    /// <summary>min.compaction.lag.ms: a batch younger than the lag keeps its superseded records (a window stage reading
    /// the topic must see every transition); once it is older, the next pass cleans it, with or without new appends.</summary>
    [Fact]
    public void Records_younger_than_the_minimum_compaction_lag_are_kept()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var log = new PartitionLog("t", 0, 1);
        Append(log, TestBatches.Keyed(now, ("a", "1")));   // 0: superseded by 1
        Append(log, TestBatches.Keyed(now, ("a", "2")));   // 1
        Append(log, TestBatches.Keyed(now, ("b", "1")));   // 2: active
        Assert.Equal(0, log.Compact(deleteRetentionMs: 60_000, now + 1_000, minCompactionLagMs: 5_000));
        Assert.Contains(ReadAll(log), r => r.Offset == 0);
        Assert.Equal(1, log.Compact(deleteRetentionMs: 60_000, now + 6_000, minCompactionLagMs: 5_000));
        Assert.DoesNotContain(ReadAll(log), r => r.Offset == 0);
    }

    [Fact]
    public void Keeps_the_latest_record_per_key_and_original_offsets()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var log = new PartitionLog("t", 0, 1);
        Append(log, TestBatches.Keyed(now, ("a", "1"), ("b", "1")));       // 0, 1
        Append(log, TestBatches.Keyed(now, ("a", "2")));                   // 2
        Append(log, TestBatches.Keyed(now, ("c", "1"), ("b", null)));      // 3, 4 (b deleted)
        Append(log, TestBatches.Keyed(now, ("d", "1")));                   // 5: active, untouched

        Assert.Equal(2, log.Compact(deleteRetentionMs: 60_000, now));
        var left = ReadAll(log);
        Assert.Equal(new List<(long, string, string?)> { (2L, "a", "v"), (3L, "c", "v"), (4L, "b", null), (5L, "d", "v") }, left);
        Assert.Equal(6, log.HighWatermark);

        // Once past delete.retention.ms the tombstone goes too; nothing appended since: no pass at all.
        Assert.Equal(0, log.Compact(deleteRetentionMs: 0, now + 10));
        Append(log, TestBatches.Keyed(now, ("e", "1")));
        Assert.Equal(1, log.Compact(deleteRetentionMs: 0, now + 10));
        Assert.DoesNotContain(ReadAll(log), r => r.Key == "b");

        // Reading from a compacted-away offset starts at the next record that is left.
        var batches = new List<ReadOnlyMemory<byte>>();
        log.Read(0, int.MaxValue, true, batches, out _, out _);
        Assert.True(RecordBatch.TryRead(batches[0].Span, out var first));
        Assert.Equal(2, first.BaseOffset);  // batch 0 (a@0, b@1) was entirely superseded and is gone
        Assert.Equal(1, first.RecordCount);
    }
}
