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

    /// <summary>min.cleanable.dirty.ratio: a pass runs only once the bytes appended since the last one are that share of
    /// the cleanable log, so a long log is not read again for every few records (a pass costs the whole log).</summary>
    [Fact]
    public void A_pass_waits_for_the_dirty_share_of_the_log_to_reach_the_ratio()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var log = new PartitionLog("t", 0, 1);
        for (var i = 0; i < 10; i++) Append(log, TestBatches.Keyed(now, ($"k{i}", "1")));
        Append(log, TestBatches.Keyed(now, ("k0", "2")));      // supersedes offset 0
        Append(log, TestBatches.Keyed(now, ("z", "1")));       // active
        Assert.Equal(1, log.Compact(60_000, now));              // the first pass: everything is dirty
        Append(log, TestBatches.Keyed(now, ("k1", "2")));      // supersedes offset 1: 2 of 12 cleanable batches dirty
        Append(log, TestBatches.Keyed(now, ("z", "2")));
        Assert.Equal(0, log.Compact(60_000, now));
        Assert.Contains(ReadAll(log), r => r.Offset == 1);
        for (var i = 0; i < 10; i++) Append(log, TestBatches.Keyed(now, ($"m{i}", "1")));
        Assert.Equal(2, log.Compact(60_000, now));              // dirty now over half: k1@1 and z@11 go
        Assert.DoesNotContain(ReadAll(log), r => r.Offset == 1);
    }

    /// <summary>The delete.retention.ms of a tombstone kept by a pass makes a pass due on its own, appends or not.</summary>
    [Fact]
    public void A_kept_tombstone_is_removed_once_it_expires_without_new_appends()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var log = new PartitionLog("t", 0, 1);
        Append(log, TestBatches.Keyed(now, ("a", "1")));
        Append(log, TestBatches.Keyed(now, ("a", null)));
        Append(log, TestBatches.Keyed(now, ("b", "1")));
        Assert.Equal(1, log.Compact(deleteRetentionMs: 5_000, now));
        Assert.Equal(0, log.Compact(deleteRetentionMs: 5_000, now + 4_000));
        Assert.Contains(ReadAll(log), r => r.Key == "a" && r.Value is null);
        Assert.Equal(1, log.Compact(deleteRetentionMs: 5_000, now + 6_000));
        Assert.DoesNotContain(ReadAll(log), r => r.Key == "a");
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

        // Nothing appended since and no kept tombstone expired (60 s): no pass at all.
        Assert.Equal(0, log.Compact(deleteRetentionMs: 0, now + 10));
        // Past delete.retention.ms the tombstone goes too, at the next pass (due with any dirty bytes at ratio 0).
        Append(log, TestBatches.Keyed(now, ("e", "1")));
        Assert.Equal(1, log.Compact(deleteRetentionMs: 0, now + 10, minCleanableDirtyRatio: 0));
        Assert.DoesNotContain(ReadAll(log), r => r.Key == "b");

        // Reading from a compacted-away offset starts at the next record that is left.
        var batches = new List<ReadOnlyMemory<byte>>();
        log.Read(0, int.MaxValue, true, batches, out _, out _);
        Assert.True(RecordBatch.TryRead(batches[0].Span, out var first));
        Assert.Equal(2, first.BaseOffset);  // batch 0 (a@0, b@1) was entirely superseded and is gone
        Assert.Equal(1, first.RecordCount);
    }
}
