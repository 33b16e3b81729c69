using System.Text;
using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ContactCenter.Tests.Broker;

/// <summary>The partition log, CRC-32C and idempotent-producer checks, without a network.</summary>
[Trait("Kind", "Unit")]
public sealed class PartitionLogTests
{
    private static byte[] Batch(long ts, int records, long pid = -1, short epoch = -1, int seq = -1) =>
        TestBatches.Build(ts, Enumerable.Range(0, records).Select(i => ((long)i, Encoding.UTF8.GetBytes($"r{i}"))).ToList(), pid, epoch, seq);

    private static PartitionLog.AppendResult Append(PartitionLog log, byte[] data)
    {
        Assert.True(RecordBatch.TryRead(data, out var header));
        return log.Append(data, header, 0);
    }

    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.True(RecordBatch.CrcMatches(Batch(1000, 3)));
        var corrupt = Batch(1000, 3);
        corrupt[^1] ^= 1;
        Assert.False(RecordBatch.CrcMatches(corrupt));
    }

    [Fact]
    public void Base_offsets_are_assigned_on_append_in_the_stored_copy()
    {
        var log = new PartitionLog("t", 0, 1);
        Assert.Equal(0, Append(log, Batch(1, 3)).BaseOffset);
        var second = Batch(2, 2);
        Assert.Equal(3, Append(log, second).BaseOffset);
        var stored = new List<ReadOnlyMemory<byte>>();
        log.Read(3, int.MaxValue, atLeastOne: true, stored, out _, out _);
        Assert.True(RecordBatch.TryRead(stored[0].Span, out var header));
        Assert.Equal(3, header.BaseOffset);
        Assert.True(RecordBatch.CrcMatches(stored[0].Span)); // the offset is outside the CRC
        Assert.True(RecordBatch.TryRead(second, out var received));
        Assert.Equal(0, received.BaseOffset); // the request's bytes are not the log's: they go back to a pool
        Assert.Equal(5, log.HighWatermark);
    }

    [Fact]
    public void Idempotent_duplicates_get_their_first_offset_and_gaps_are_refused()
    {
        var log = new PartitionLog("t", 0, 1);
        Assert.Equal(0, Append(log, Batch(1, 2, pid: 7, epoch: 0, seq: 0)).BaseOffset);
        Assert.Equal(2, Append(log, Batch(1, 2, pid: 7, epoch: 0, seq: 2)).BaseOffset);
        var retry = Append(log, Batch(1, 2, pid: 7, epoch: 0, seq: 0));
        Assert.Equal((ErrorCode.None, 0L), (retry.Error, retry.BaseOffset));
        Assert.Equal(4, log.HighWatermark); // not appended twice
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, Append(log, Batch(1, 1, pid: 7, epoch: 0, seq: 9)).Error);
        Assert.Equal(4, Append(log, Batch(1, 1, pid: 7, epoch: 1, seq: 0)).BaseOffset); // a new epoch starts over
        Assert.Equal(ErrorCode.InvalidProducerEpoch, Append(log, Batch(1, 1, pid: 7, epoch: 0, seq: 4)).Error);
    }

    [Property(MaxTest = 60)]
    public Property Reads_and_time_lookups_agree_with_a_linear_scan(PositiveInt[] sizes, NonNegativeInt probe)
    {
        var log = new PartitionLog("t", 0, 1);
        var all = new List<(long Offset, long Timestamp)>();
        var ts = 1_000L;
        foreach (var size in sizes.Take(40))
        {
            var n = size.Get % 5 + 1;
            var result = Append(log, Batch(ts, n));
            for (var i = 0; i < n; i++) all.Add((result.BaseOffset + i, ts + i));
            ts += n + size.Get % 3; // timestamps increase, sometimes with gaps
        }
        if (all.Count == 0) return true.ToProperty();
        var offset = probe.Get % (all.Count + 1);
        var batches = new List<ReadOnlyMemory<byte>>();
        var error = log.Read(offset, 1 << 20, atLeastOne: true, batches, out var hw, out _);
        var readOk = error == ErrorCode.None && hw == all.Count &&
            (offset == all.Count
                ? batches.Count == 0
                : RecordBatch.TryRead(batches[0].Span, out var first) && first.BaseOffset <= offset && offset <= first.BaseOffset + first.LastOffsetDelta);

        var target = 1_000L + probe.Get % (ts - 1_000 + 2);
        var expected = all.FirstOrDefault(r => r.Timestamp >= target);
        var found = log.OffsetForTimestamp(target);
        var timeOk = expected == default ? found is null : found == expected;
        return (readOk && timeOk).Label($"offset {offset} read {readOk}; time {target} -> {found} expected {expected}");
    }

    [Fact]
    public void Reads_stop_at_the_byte_limit_but_always_return_one_whole_batch()
    {
        var log = new PartitionLog("t", 0, 1);
        var size = Batch(1, 10).Length;
        for (var i = 0; i < 5; i++) Append(log, Batch(1, 10));
        var batches = new List<ReadOnlyMemory<byte>>();
        log.Read(0, size * 2 + 1, atLeastOne: true, batches, out _, out _);
        Assert.Equal(2, batches.Count);
        batches.Clear();
        log.Read(0, 1, atLeastOne: true, batches, out _, out _);
        Assert.Single(batches);
        batches.Clear();
        log.Read(0, 1, atLeastOne: false, batches, out _, out _);
        Assert.Empty(batches);
        Assert.Equal(ErrorCode.OffsetOutOfRange, log.Read(51, 100, true, batches, out _, out _));
    }

    [Fact]
    public void Retention_by_size_drops_whole_batches_from_the_head_and_moves_the_log_start()
    {
        var log = new PartitionLog("t", 0, 1);
        var size = Batch(1, 10).Length;
        for (var i = 0; i < 5; i++) Append(log, Batch(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 10));
        log.ApplyRetention(-1, size * 2, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.Equal(30, log.LogStartOffset);
        Assert.Equal(ErrorCode.OffsetOutOfRange, log.Read(0, 100, true, [], out _, out _));
    }

    [Fact]
    public async Task A_waiting_fetch_is_woken_by_the_next_append()
    {
        var log = new PartitionLog("t", 0, 1);
        var wait = log.WaitForAppendAsync(log.HighWatermark);
        Assert.False(wait.IsCompleted);
        Append(log, Batch(1, 1));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(log.WaitForAppendAsync(0).IsCompleted);
    }
}
