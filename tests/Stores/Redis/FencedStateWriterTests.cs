using System.Collections.Concurrent;
using ContactCenter.Stores.Redis;
using StackExchange.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>Behaviour of the fenced writer, run against every backend (see the sealed subclasses at the end).</summary>
public abstract class FencedStateWriterTests(RedisBackend backend)
{
    private readonly string _ns = Guid.NewGuid().ToString("N");

    private string Key(string agent) => $"cc:agent:{_ns}:{agent}";

    private string Stage => $"stage-{_ns}";

    private static KeyValuePair<string, string>[] Fields(params (string Name, string Value)[] fields) =>
        fields.Select(f => KeyValuePair.Create(f.Name, f.Value)).ToArray();

    private async Task WriteAllAsync(params AgentStateWrite[] writes)
    {
        await using var writer = new FencedStateWriter(backend.Redis, Stage);
        foreach (var write in writes)
            await writer.WriteAsync(write);
        await writer.FlushAsync();
    }

    [Fact]
    public async Task Upsert_is_readable_without_the_fence_fields_which_are_stored_in_the_hash()
    {
        await WriteAllAsync(new AgentStateWrite(Key("a"), 2, 41, Fields(("state", "READY"), ("skill", "billing")), 1_700_000_000_000));

        var hash = await RedisStateReader.ReadHashAsync(backend.Db, Key("a"));
        Assert.Equal(new Dictionary<string, string> { ["state"] = "READY", ["skill"] = "billing" }, hash);
        var raw = (await backend.Db.HashGetAllAsync(Key("a"))).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        Assert.Equal("2", raw["_p"]);
        Assert.Equal("41", raw["_o"]);
        Assert.Equal("1700000000000", raw["_t"]);
    }

    [Fact]
    public async Task Newer_upsert_replaces_the_whole_hash_and_older_one_is_ignored()
    {
        await WriteAllAsync(
            new AgentStateWrite(Key("a"), 0, 10, Fields(("state", "READY"), ("call", "c-1")), 1),
            new AgentStateWrite(Key("a"), 0, 12, Fields(("state", "AWAY")), 2),
            new AgentStateWrite(Key("a"), 0, 11, Fields(("state", "BUSY")), 3));

        Assert.Equal(new Dictionary<string, string> { ["state"] = "AWAY" }, await RedisStateReader.ReadHashAsync(backend.Db, Key("a")));
    }

    [Fact]
    public async Task Replay_of_the_same_offset_is_stale()
    {
        var acks = new ConcurrentQueue<BatchAcknowledged>();
        await using var writer = new FencedStateWriter(backend.Redis, Stage);
        writer.Acknowledged += acks.Enqueue;
        await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 5, Fields(("state", "READY")), 1));
        await writer.FlushAsync();
        await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 5, Fields(("state", "READY")), 1));
        await writer.FlushAsync();

        Assert.Equal(1, acks.Sum(a => a.Applied));
        Assert.Equal(1, acks.Sum(a => a.Stale));
    }

    [Fact]
    public async Task Exactly_the_applied_writes_are_published_once_acknowledged_in_order_with_their_fence_positions()
    {
        var channel = $"cc:changes:{Stage}";
        var queue = await backend.Redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel));
        var acks = new ConcurrentQueue<BatchAcknowledged>();
        var publisher = new StateChangePublisher(backend.Redis, channel, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await using (var writer = new FencedStateWriter(backend.Redis, Stage))
        {
            writer.Acknowledged += acks.Enqueue;
            writer.Acknowledged += publisher.OnAcknowledged;
            await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 10, Fields(("state", "READY")), 1));
            await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 9, Fields(("state", "OLD")), 1)); // stale: not news
            await writer.WriteAsync(new AgentStateWrite(Key("b"), 1, 4, null, 2));
            await writer.FlushAsync();
        }

        Assert.Equal([(Key("a"), 10L), (Key("b"), 4L)], acks.SelectMany(a => a.AppliedWrites).Select(w => (w.Key, w.Offset)));
        var published = new List<(string Key, int P, long O, bool Deleted)>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (published.Count < 2)
        {
            var message = await queue.ReadAsync(deadline.Token);
            using var json = System.Text.Json.JsonDocument.Parse((byte[])message.Message!);
            Assert.True(json.RootElement.GetProperty("ack").GetDouble() > 0);
            foreach (var change in json.RootElement.GetProperty("changes").EnumerateArray())
                published.Add((change.GetProperty("key").GetString()!, change.GetProperty("p").GetInt32(), change.GetProperty("o").GetInt64(),
                    change.GetProperty("fields").ValueKind == System.Text.Json.JsonValueKind.Null));
        }
        Assert.Equal([(Key("a"), 0, 10L, false), (Key("b"), 1, 4L, true)], published);
        Assert.Equal(2, publisher.Published);
        await queue.UnsubscribeAsync();
    }

    [Fact]
    public async Task Tombstone_deletes_and_keeps_an_expiring_fence_that_blocks_older_updates()
    {
        var ttl = TimeSpan.FromMinutes(10);
        await using (var writer = new FencedStateWriter(backend.Redis, Stage, new FencedWriterOptions { TombstoneTtl = ttl }))
        {
            await writer.WriteAsync(new AgentStateWrite(Key("a"), 1, 100, Fields(("state", "READY")), 1));
            await writer.WriteAsync(new AgentStateWrite(Key("a"), 1, 101, null, 2));
            await writer.WriteAsync(new AgentStateWrite(Key("a"), 1, 100, Fields(("state", "READY")), 1)); // replayed
            await writer.FlushAsync();
        }

        Assert.Null(await RedisStateReader.ReadHashAsync(backend.Db, Key("a")));
        Assert.Equal("1:101:2", (string?)await backend.Db.StringGetAsync(FenceScript.TombstoneKey(Key("a"), ClusterSlots.IsCluster(backend.Redis))));
        var remaining = await backend.Db.KeyTimeToLiveAsync(FenceScript.TombstoneKey(Key("a"), ClusterSlots.IsCluster(backend.Redis)));
        Assert.NotNull(remaining);
        Assert.InRange(remaining.Value, TimeSpan.FromMinutes(9), ttl);
    }

    [Fact]
    public async Task Newer_upsert_after_a_tombstone_recreates_the_agent_and_drops_the_tombstone()
    {
        await WriteAllAsync(
            new AgentStateWrite(Key("a"), 1, 7, null, 1),
            new AgentStateWrite(Key("a"), 1, 8, Fields(("state", "READY")), 2));

        Assert.Equal(new Dictionary<string, string> { ["state"] = "READY" }, await RedisStateReader.ReadHashAsync(backend.Db, Key("a")));
        Assert.False(await backend.Db.KeyExistsAsync(FenceScript.TombstoneKey(Key("a"), ClusterSlots.IsCluster(backend.Redis))));
    }

    [Fact]
    public async Task Tombstone_for_an_unknown_agent_still_fences_older_updates()
    {
        await WriteAllAsync(
            new AgentStateWrite(Key("a"), 0, 9, null, 1),
            new AgentStateWrite(Key("a"), 0, 3, Fields(("state", "READY")), 1));

        Assert.Null(await RedisStateReader.ReadHashAsync(backend.Db, Key("a")));
    }

    [Fact]
    public async Task Upsert_without_fields_creates_an_empty_agent()
    {
        await WriteAllAsync(new AgentStateWrite(Key("a"), 0, 1, [], 1));

        Assert.Equal(new Dictionary<string, string>(), await RedisStateReader.ReadHashAsync(backend.Db, Key("a")));
    }

    [Fact]
    public async Task Across_partitions_the_later_source_timestamp_wins()
    {
        // A key moves partition when the partition count changes: offsets of different partitions are not comparable.
        await WriteAllAsync(
            new AgentStateWrite(Key("a"), 0, 500, Fields(("state", "READY")), 1_000),
            new AgentStateWrite(Key("a"), 3, 2, Fields(("state", "AWAY")), 2_000),
            new AgentStateWrite(Key("a"), 0, 501, Fields(("state", "BUSY")), 1_500));

        Assert.Equal(new Dictionary<string, string> { ["state"] = "AWAY" }, await RedisStateReader.ReadHashAsync(backend.Db, Key("a")));
    }

    [Fact]
    public async Task Offsets_record_the_highest_offset_per_partition_even_for_stale_writes()
    {
        await WriteAllAsync(
            new AgentStateWrite(Key("a"), 0, 20, Fields(("state", "READY")), 1),
            new AgentStateWrite(Key("b"), 1, 7, Fields(("state", "READY")), 1),
            new AgentStateWrite(Key("b"), 1, 5, Fields(("state", "AWAY")), 1),
            new AgentStateWrite(Key("a"), 0, 20, Fields(("state", "READY")), 1), // stale duplicate
            new AgentStateWrite(Key("c"), 0, 3, Fields(("state", "READY")), 1),
            new AgentStateWrite(Key("c"), 2, 9_007_199_254_740_993, null, 1)); // 2^53 + 1: exact, no float rounding

        var offsets = await RedisStateReader.ReadOffsetsAsync(backend.Db, Stage);
        Assert.Equal(new Dictionary<int, long> { [0] = 20, [1] = 7, [2] = 9_007_199_254_740_993 }, offsets);
    }

    [Fact]
    public async Task Offsets_of_another_stage_sharing_the_prefix_are_not_mixed_in()
    {
        await using (var writer = new FencedStateWriter(backend.Redis, Stage + ":shadow"))
        {
            await writer.WriteAsync(new AgentStateWrite(Key("a"), 4, 99, Fields(("state", "READY")), 1));
            await writer.FlushAsync();
        }
        await WriteAllAsync(new AgentStateWrite(Key("b"), 1, 3, Fields(("state", "READY")), 1));

        Assert.Equal(new Dictionary<int, long> { [1] = 3 }, await RedisStateReader.ReadOffsetsAsync(backend.Db, Stage));
        Assert.Empty(await RedisStateReader.ReadOffsetsAsync(backend.Db, $"never-{_ns}"));
    }

    [Fact]
    public async Task Offsets_honour_a_custom_prefix()
    {
        var prefix = $"custom:{_ns}";
        await using (var writer = new FencedStateWriter(backend.Redis, Stage, new FencedWriterOptions { OffsetsKeyPrefix = prefix }))
        {
            await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 4, Fields(("state", "READY")), 1));
            await writer.FlushAsync();
        }

        Assert.Equal("4", (string?)await backend.Db.StringGetAsync($"{prefix}:{Stage}:0"));
        Assert.Equal(new Dictionary<int, long> { [0] = 4 }, await RedisStateReader.ReadOffsetsAsync(backend.Db, Stage, prefix));
    }

    [Fact]
    public async Task Flush_waits_for_acknowledgement_of_everything_written_before_it()
    {
        var acks = new ConcurrentQueue<BatchAcknowledged>();
        await using var writer = new FencedStateWriter(backend.Redis, Stage, new FencedWriterOptions { MaxBatch = 7, QueueCapacity = 16 });
        writer.Acknowledged += acks.Enqueue;
        var writes = Enumerable.Range(0, 100)
            .Select(i => new AgentStateWrite(Key($"a{i % 10}"), i % 3, i, Fields(("n", i.ToString())), i))
            .ToArray();
        foreach (var write in writes)
            await writer.WriteAsync(write);
        await writer.FlushAsync();

        Assert.Equal(0, writer.Pending);
        Assert.Equal(writes, acks.SelectMany(a => a.Writes));
        Assert.All(acks, a => Assert.InRange(a.Writes.Count, 1, 7));
        Assert.Equal(100, acks.Sum(a => a.Applied));
        Assert.Equal(0, acks.Sum(a => a.Stale));
        foreach (var ack in acks)
        {
            var expected = ack.Writes.GroupBy(w => w.Partition).ToDictionary(g => g.Key, g => g.Max(w => w.Offset));
            Assert.Equal(expected, ack.HighestOffsetByPartition);
        }
        for (var agent = 0; agent < 10; agent++)
        {
            var last = writes.Last(w => w.Key == Key($"a{agent}"));
            Assert.Equal(last.Offset.ToString(), (await RedisStateReader.ReadHashAsync(backend.Db, Key($"a{agent}")))!["n"]);
        }
    }

    [Fact]
    public async Task Flush_with_nothing_pending_completes()
    {
        await using var writer = new FencedStateWriter(backend.Redis, Stage);
        // The check is that it completes: a flush waiting for nothing would hang, so it fails on a deadline instead.
        await writer.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, writer.Pending);
    }

    [Fact]
    public async Task Dispose_drains_the_queue()
    {
        var writer = new FencedStateWriter(backend.Redis, Stage);
        for (var i = 0; i < 50; i++)
            await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, i, Fields(("n", i.ToString())), i));
        await writer.DisposeAsync();

        Assert.Equal("49", (await RedisStateReader.ReadHashAsync(backend.Db, Key("a")))!["n"]);
        await Assert.ThrowsAsync<ObjectDisposedException>(() =>
            writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 50, Fields(("n", "50")), 50)).AsTask());
    }

    [Fact]
    public async Task A_throwing_acknowledged_handler_does_not_stop_the_writer()
    {
        await using var writer = new FencedStateWriter(backend.Redis, Stage, new FencedWriterOptions { MaxBatch = 1 });
        writer.Acknowledged += _ => throw new InvalidOperationException("handler bug");
        await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 1, Fields(("n", "1")), 1));
        await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 2, Fields(("n", "2")), 2));
        await writer.FlushAsync();

        Assert.Equal("2", (await RedisStateReader.ReadHashAsync(backend.Db, Key("a")))!["n"]);
    }

    [Theory]
    [InlineData("_p")]
    [InlineData("_o")]
    [InlineData("_t")]
    public async Task Fence_field_names_are_rejected(string field)
    {
        await using var writer = new FencedStateWriter(backend.Redis, Stage);
        await Assert.ThrowsAsync<ArgumentException>(() =>
            writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 1, Fields((field, "x")), 1)).AsTask());
        Assert.Equal(0, writer.Pending);
    }

    [Fact]
    public async Task A_partition_whose_recorded_progress_went_missing_or_back_is_reported_regressed_with_the_next_write()
    {
        var acks = new ConcurrentQueue<BatchAcknowledged>();
        await using var writer = new FencedStateWriter(backend.Redis, Stage);
        writer.Acknowledged += acks.Enqueue;
        await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 5, Fields(("n", "1")), 1));
        await writer.WriteAsync(new AgentStateWrite(Key("b"), 1, 9, Fields(("n", "1")), 1));
        await writer.FlushAsync();
        Assert.NotEmpty(acks);
        Assert.All(acks, a => Assert.Empty(a.Regressed));

        await backend.Db.KeyDeleteAsync($"cc:offsets:{Stage}:0");          // lost
        await backend.Db.StringSetAsync($"cc:offsets:{Stage}:1", "3");     // went back
        acks.Clear();
        await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 6, Fields(("n", "2")), 2));
        await writer.WriteAsync(new AgentStateWrite(Key("b"), 1, 10, Fields(("n", "2")), 2));
        await writer.FlushAsync();
        Assert.Equal([0, 1], acks.SelectMany(a => a.Regressed).Distinct().Order());

        acks.Clear();
        await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 7, Fields(("n", "3")), 3));
        await writer.FlushAsync();
        Assert.Single(acks);
        Assert.Empty(acks.Single().Regressed); // progress is whole again
    }

    [Fact]
    public async Task A_write_whose_key_holds_another_type_is_refused_alone_and_changes_nothing_not_even_progress()
    {
        await backend.Db.StringSetAsync(Key("a"), "not a hash");
        var acks = new ConcurrentQueue<BatchAcknowledged>();
        await using var writer = new FencedStateWriter(backend.Redis, Stage);
        writer.Acknowledged += acks.Enqueue;
        await writer.WriteAsync(new AgentStateWrite(Key("a"), 0, 7, Fields(("state", "READY")), 1));
        await writer.FlushAsync();

        var refused = acks.SelectMany(a => a.Rejected).ToList();
        Assert.Equal([Key("a")], refused.Select(r => r.Write.Key));
        Assert.All(refused, r => Assert.Contains("WRONGTYPE", r.Reason));
        Assert.Equal(0, acks.Sum(a => a.Applied + a.Stale));
        Assert.Equal("not a hash", await backend.Db.StringGetAsync(Key("a")));
        Assert.Empty(await RedisStateReader.ReadOffsetsAsync(backend.Db, Stage));

        // The writer goes on: the next write of the partition is applied and moves the stage's progress.
        await writer.WriteAsync(new AgentStateWrite(Key("b"), 0, 8, Fields(("state", "READY")), 1));
        await writer.FlushAsync();
        Assert.Equal("READY", (await RedisStateReader.ReadHashAsync(backend.Db, Key("b")))!["state"]);
        Assert.Equal(8, (await RedisStateReader.ReadOffsetsAsync(backend.Db, Stage))[0]);
    }
}

[Collection(RealRedisCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedStateWriterOnRedisTests(RealRedisBackend backend) : FencedStateWriterTests(backend);

[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedStateWriterOnGarnetTests(GarnetBackend backend) : FencedStateWriterTests(backend);

[Collection(RedisClusterCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FencedStateWriterOnRedisClusterTests(RedisClusterBackend backend) : FencedStateWriterTests(backend);
