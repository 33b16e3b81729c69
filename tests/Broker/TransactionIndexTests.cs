using ContactCenter.Broker.Log;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// A partition's last stable offset and aborted-transaction list against a small model, over random interleavings of
/// plain batches, transactional batches of three producers and their commit/abort markers.
/// </summary>
[Trait("Kind", "Property")]
public sealed class TransactionIndexTests
{
    private static byte[] Plain() => TestBatches.Build(1000, [(0L, (byte[]?)null, (byte[]?)"p"u8.ToArray())], -1, -1, -1);

    [Property(MaxTest = 200)]
    public Property Last_stable_offset_and_aborted_transactions_match_a_model(byte[] steps, NonNegativeInt fetchFrom)
    {
        var log = new PartitionLog("t", 0, 1);
        var open = new Dictionary<long, long>();                  // model: producer -> first offset of its open transaction
        var aborted = new List<(long Pid, long First, long Marker)>();
        var sequences = new int[3];
        long next = 0;
        foreach (var step in steps.Take(60))
        {
            var pid = 100 + step % 3;
            switch (step / 3 % 4)
            {
                case 0:
                    Assert.True(RecordBatch.TryRead(Plain(), out var plainHeader));
                    log.Append(Plain(), plainHeader, 0);
                    next++;
                    break;
                case 1:
                    var batch = TransactionCoordinatorTests.TransactionalBatch(pid, 0, sequences[pid - 100]++);
                    Assert.True(RecordBatch.TryRead(batch, out var header));
                    Assert.Equal(next, log.Append(batch, header, 0).BaseOffset);
                    open.TryAdd(pid, next);
                    next++;
                    break;
                default:
                    var commit = step / 3 % 4 == 2;
                    Assert.Equal(next, log.AppendMarker(pid, 0, commit, 1000));
                    if (open.Remove(pid, out var first) && !commit) aborted.Add((pid, first, next));
                    next++;
                    break;
            }
        }
        var expectedLso = open.Count == 0 ? next : open.Values.Min();
        var from = next == 0 ? 0 : fetchFrom.Get % (next + 1);

        var batches = new List<ReadOnlyMemory<byte>>();
        var listed = new List<AbortedTransaction>();
        log.Read(from, int.MaxValue, true, batches, out var hwm, out _, out var lso, readCommitted: true, listed);
        var returnedEnd = from;
        foreach (var b in batches)
        {
            RecordBatch.TryRead(b.Span, out var h);
            returnedEnd = h.BaseOffset + h.LastOffsetDelta + 1;
        }
        // Only returned data needs the list: nothing returned, nothing listed.
        var expectedListed = aborted.Where(a => returnedEnd > from && a.Marker >= from && a.First < returnedEnd)
            .Select(a => new AbortedTransaction(a.Pid, a.First, a.Marker)).ToList();

        return (hwm == next).Label($"high watermark {hwm} != {next}")
            .And((lso == expectedLso).Label($"last stable offset {lso} != {expectedLso}"))
            .And((returnedEnd <= Math.Max(from, expectedLso)).Label($"read_committed returned up to {returnedEnd}, past {expectedLso}"))
            .And((returnedEnd == Math.Max(from, expectedLso)).Label($"read_committed stopped at {returnedEnd} before {expectedLso}"))
            .And(listed.SequenceEqual(expectedListed).Label($"aborted [{string.Join(",", listed)}] != [{string.Join(",", expectedListed)}]"));
    }
}
