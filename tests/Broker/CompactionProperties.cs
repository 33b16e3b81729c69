using System.Text;
using ContactCenter.Broker.Log;
using ContactCenter.Broker.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace ContactCenter.Tests.Broker;

/// <summary>
/// Compaction against a model that is just the list of everything appended: whatever passes run (any dirty ratio, at
/// any point, with appends racing them), the log holds only records that were appended, at their offsets, and always
/// the latest record of every key; after a pass that must clean everything, an older record of a key is left only in
/// the active (last) batch.
/// </summary>
[Trait("Kind", "Property")]
public sealed class CompactionProperties
{
    private static readonly string[] Keys = ["a", "b", "c", "d", "e"];

    /// <summary>One step: append a batch (keys by index, value null when the flag is set) or run a pass with a ratio.</summary>
    public sealed record Step(bool IsCompaction, double Ratio, (int Key, bool Tombstone)[] Records);

    private static Gen<Step> StepGen() =>
        Gen.Frequency(
            (3, from records in Gen.Choose(0, Keys.Length - 1).Zip(Gen.Elements(false, false, false, true)).ArrayOf().Where(r => r.Length is > 0 and <= 4)
                select new Step(false, 0, records)),
            (1, from ratio in Gen.Elements(0.0, 0.3, 0.5, 1.0) select new Step(true, ratio, [])));

    [Property(MaxTest = 200)]
    public Property Compaction_keeps_the_latest_record_of_every_key_and_invents_nothing() =>
        Prop.ForAll(StepGen().ListOf().ToArbitrary(), steps =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var log = new PartitionLog("t", 0, 1);
            var model = new List<(string Key, bool Tombstone)>();
            foreach (var step in steps)
            {
                if (step.IsCompaction)
                {
                    log.Compact(deleteRetentionMs: long.MaxValue / 2, now, minCompactionLagMs: 0, minCleanableDirtyRatio: step.Ratio);
                    continue;
                }
                var records = step.Records.Select(r => (Keys[r.Key], r.Tombstone ? null : "v")).ToArray();
                Append(log, TestBatches.Keyed(now, records));
                model.AddRange(records.Select(r => (r.Item1, r.Item2 is null)));
            }
            Check(log, model);
            // A pass with ratio 0 cleans whatever is dirty: afterwards only the last batch may repeat a key.
            log.Compact(deleteRetentionMs: long.MaxValue / 2, now, 0, minCleanableDirtyRatio: 0);
            var batches = Check(log, model);
            var latest = Latest(model);
            foreach (var record in batches.SkipLast(1).SelectMany(b => b))
                Assert.Equal(latest[record.Key], record.Offset);
            return true.ToProperty();
        });

    /// <summary>Appends from another thread while passes run: a pass reads outside the lock and swaps its result in, and
    /// the batches appended meanwhile are all still there afterwards.</summary>
    [Fact]
    public async Task Appends_racing_compaction_passes_are_all_kept()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var log = new PartitionLog("t", 0, 1);
        var model = new List<(string Key, bool Tombstone)>();
        var random = new Random(7);
        var plan = Enumerable.Range(0, 20_000).Select(i => Keys[random.Next(Keys.Length)] + (i % 50)).ToArray();
        var appending = Task.Run(() =>
        {
            foreach (var key in plan) Append(log, TestBatches.Keyed(now, (key, "v")));
        });
        var passes = 0;
        while (!appending.IsCompleted)
        {
            log.Compact(long.MaxValue / 2, now, 0, minCleanableDirtyRatio: 0);
            passes++;
        }
        await appending;
        model.AddRange(plan.Select(k => (k, false)));
        Assert.True(passes > 1, $"{passes} passes");
        Check(log, model);
        Assert.Equal(plan.Length, log.HighWatermark);
    }

    private static void Append(PartitionLog log, byte[] batch)
    {
        Assert.True(RecordBatch.TryRead(batch, out var header));
        Assert.Equal(ErrorCode.None, log.Append(batch, header, 0).Error);
    }

    private static Dictionary<string, long> Latest(List<(string Key, bool Tombstone)> model)
    {
        var latest = new Dictionary<string, long>();
        for (var offset = 0; offset < model.Count; offset++) latest[model[offset].Key] = offset;
        return latest;
    }

    /// <summary>Reads the whole log and checks it against the model; returns its records batch by batch.</summary>
    private static List<List<(long Offset, string Key)>> Check(PartitionLog log, List<(string Key, bool Tombstone)> model)
    {
        var read = new List<ReadOnlyMemory<byte>>();
        Assert.Equal(ErrorCode.None, log.Read(log.LogStartOffset, int.MaxValue, true, read, out var highWatermark, out _));
        Assert.Equal(model.Count, highWatermark);
        var batches = new List<List<(long Offset, string Key)>>();
        var previous = -1L;
        foreach (var batch in read)
        {
            Assert.True(RecordBatch.CrcMatches(batch.Span));
            var records = new List<(long, string)>();
            foreach (var r in LogCompactor.Records(batch.Span)!.Spans)
            {
                Assert.True(r.Offset > previous, "offsets increase");
                previous = r.Offset;
                var key = Encoding.UTF8.GetString(r.Key!);
                Assert.Equal(model[(int)r.Offset], (key, r.Tombstone));
                records.Add((r.Offset, key));
            }
            batches.Add(records);
        }
        var present = batches.SelectMany(b => b).Select(r => r.Offset).ToHashSet();
        foreach (var (key, offset) in Latest(model))
            Assert.True(present.Contains(offset), $"the latest record of {key} (offset {offset}) is gone");
        return batches;
    }
}
