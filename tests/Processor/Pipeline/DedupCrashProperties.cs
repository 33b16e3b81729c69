using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Tests.Stores.Redis;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>
/// A dedup claim cannot drop a record: a stage with a first-write-wins step is killed at random points (after a
/// record's claim and before its write, or after the write and before the offset commit) and resumes, like a pod, from
/// the last committed offset with a fresh chain. Whatever the crashes, Redis ends with exactly the model's records:
/// for every dedup id, the first record of the log carrying it, and nothing else.
/// </summary>
/// <remarks>
/// The stage is the pod's own: <see cref="RedisDedupStore"/> behind a <see cref="RecordProcessorChain"/>, and the
/// <see cref="FencedStateWriter"/>; only the consumer is replaced by a loop over an in-memory log, so the crash points
/// can be chosen exactly. A claim owned by the pod instead of the record fails this property at the first crash
/// between claim and write.
/// </remarks>
public abstract class DedupCrashProperties(RedisBackend backend)
{
    private const int Ids = 4;

    private sealed record Step(bool CrashAfterClaim, bool CrashAfterWrite, bool Commit);

    [Property(MaxTest = 40)]
    public Task<bool> Crashes_between_claim_write_and_commit_never_drop_or_duplicate_a_record(int[] ids, int[] crashes) =>
        Task.Run(async () =>
        {
            var ns = Guid.NewGuid().ToString("N");
            var log = ids.Select(i => (i & int.MaxValue) % Ids).ToArray(); // offset -> dedup id
            var steps = crashes.Select(c => c & int.MaxValue)
                .Select(c => new Step(c % 5 == 0, c % 5 == 1, c % 3 == 0)).ToArray();
            var spec = new DedupProcessorSpec("once", "id", $"{ns}:", TimeSpan.FromMinutes(10));
            var stage = $"dedup-{ns}";
            var committed = 0L;
            var step = 0;

            // One "pod life" per loop: a fresh chain and writer, resuming at the committed offset.
            for (var life = 0; ; life++)
            {
                var crashed = false;
                var chain = new RecordProcessorChain([spec], new RedisDedupStore(backend.Db, stage, NullLogger.Instance, CancellationToken.None));
                await using (var writer = new FencedStateWriter(backend.Redis, stage, new FencedWriterOptions { MaxBatch = 1 }))
                {
                    for (var offset = committed; offset < log.Length && !crashed; offset++)
                    {
                        var next = step < steps.Length ? steps[step++] : new Step(false, false, false);
                        var fields = new List<KeyValuePair<string, string>> { new("id", log[offset].ToString(System.Globalization.CultureInfo.InvariantCulture)) };
                        var keep = await chain.ProcessAsync($"k{offset}", fields, $"topic:0:{offset}");
                        if (next.CrashAfterClaim) { crashed = true; break; }
                        if (keep)
                        {
                            await writer.WriteAsync(new AgentStateWrite($"{ns}:rec:{offset}", 0, offset, [.. fields], 1));
                            await writer.FlushAsync();
                        }
                        if (next.CrashAfterWrite) { crashed = true; break; }
                        if (next.Commit || offset == log.Length - 1) committed = offset + 1;
                    }
                }
                if (!crashed) break;
                if (life > steps.Length + 1) return false; // cannot happen: every crash consumes a step
            }

            var expected = Enumerable.Range(0, log.Length).Where(o => Array.IndexOf(log, log[o]) == o).ToHashSet();
            for (var offset = 0; offset < log.Length; offset++)
            {
                var present = await backend.Db.KeyExistsAsync($"{ns}:rec:{offset}");
                if (present != expected.Contains(offset)) return false;
            }
            return true;
        });

    [Fact]
    public async Task A_record_claimed_by_a_killed_pod_is_processed_when_redelivered_and_only_that_record()
    {
        var ns = Guid.NewGuid().ToString("N");
        var spec = new DedupProcessorSpec("once", "callId", $"{ns}:", TimeSpan.FromMinutes(10));
        var podA = new RecordProcessorChain([spec], new RedisDedupStore(backend.Db, "s", NullLogger.Instance, CancellationToken.None));
        Assert.True(await podA.ProcessAsync("a-1", [new("callId", "c-1")], "t:3:41"));
        // Pod A dies here: its write never reached Redis, its offset was never committed. Pod B gets the partition.
        var podB = new RecordProcessorChain([spec], new RedisDedupStore(backend.Db, "s", NullLogger.Instance, CancellationToken.None));
        Assert.True(await podB.ProcessAsync("a-1", [new("callId", "c-1")], "t:3:41"));
        Assert.False(await podB.ProcessAsync("a-1", [new("callId", "c-1")], "t:3:42"));
        Assert.False(await podB.ProcessAsync("a-1", [new("callId", "c-1")], "t:4:41"));
        var ttl = await backend.Db.KeyTimeToLiveAsync($"{FirstWriteWins.KeyPrefix}{ns}:c-1");
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class DedupCrashPropertiesOnRedis(RealRedisBackend backend) : DedupCrashProperties(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class DedupCrashPropertiesOnGarnet(GarnetBackend backend) : DedupCrashProperties(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class DedupCrashPropertiesOnRedisCluster(RedisClusterBackend backend) : DedupCrashProperties(backend);
