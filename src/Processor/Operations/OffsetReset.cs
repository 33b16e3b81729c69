using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations;

/// <summary>Where <c>contactcenter reset</c> moves a stage's offsets.</summary>
internal abstract record ResetTarget
{
    public sealed record Earliest : ResetTarget;

    public sealed record Latest : ResetTarget;

    public sealed record Offset(long Value) : ResetTarget;

    public sealed record Time(DateTimeOffset Value) : ResetTarget;

    /// <summary>The time that long before the command started.</summary>
    public sealed record Ago(TimeSpan Duration) : ResetTarget;

    public sealed record ShiftBy(long Records) : ResetTarget;

    /// <summary>Where another consumer group is (after a group was renamed).</summary>
    public sealed record FromGroup(string Group) : ResetTarget;
}

/// <summary>One partition of a reset: where the stage would resume now, and where it will after the reset.</summary>
/// <param name="Current">The next offset the stage would consume: after what Redis recorded for the state stage when it
/// recorded anything (pods seek there first), else the group's committed offset; null when there is neither (the group
/// would start from the earliest offset).</param>
internal sealed record ResetRow(string Topic, int Partition, long? Committed, long? Redis, long? Current, long New, long Earliest, long End)
{
    /// <summary>New minus current: negative replays that many records, positive skips them.</summary>
    public long Change => New - (Current ?? Earliest);
}

/// <summary>
/// Moves a stage's consumer-group offsets (and, for the state stage, its progress keys in Redis, which pods honour
/// first). It reads with a consumer that never subscribes and commits for the group from it, which brokers accept only
/// while the group has no members.
/// </summary>
internal sealed class OffsetReset(KafkaClientSettings kafka, string groupId, IReadOnlyList<(string Topic, int Partitions)> topics, string? stateStage)
{
    /// <summary>The stage's topics and group; <paramref name="stage"/> is a stage of <paramref name="pipeline"/>.</summary>
    public static OffsetReset? For(PipelineSpec pipeline, string stage, KafkaClientSettings kafka)
    {
        if (stage == pipeline.State.Name)
            return new OffsetReset(kafka, pipeline.State.GroupId, [(pipeline.State.InputTopic, pipeline.State.InputPartitions)], pipeline.State.Name);
        if (stage == pipeline.Aggregate.Name)
            return new OffsetReset(kafka, pipeline.Aggregate.ApplicationId, pipeline.Aggregate.Sources.Select(s => (s.Topic, s.Partitions)).ToArray(), null);
        // A queue stage writes through the same fenced writer, so its pods also seek to its Redis progress keys first.
        if (pipeline.QueueStages.FirstOrDefault(q => q.Name == stage) is { } queue)
            return new OffsetReset(kafka, queue.GroupId, [(queue.InputTopic, queue.InputPartitions)], queue.Name);
        // A window stage keeps no Redis progress keys: its store's changelog and its fenced hashes carry its offsets.
        return pipeline.Windows.FirstOrDefault(w => w.Name == stage) is { } window
            ? new OffsetReset(kafka, window.GroupId, [(window.InputTopic, window.InputPartitions)], null)
            : null;
    }

    /// <summary>The stage's topics with their partition counts.</summary>
    public IReadOnlyList<(string Topic, int Partitions)> TopicPartitions => topics;

    /// <summary>The name of the state or queue stage whose Redis progress keys move too; null for the merge stage.</summary>
    public string? StateStage => stateStage;

    /// <summary>The stage's topics, for messages.</summary>
    public IEnumerable<string> AllTopics => topics.Select(t => t.Topic);

    public string GroupId => groupId;


    /// <summary>Resolves the new offset of every selected partition; partitions whose new offset leaves the log go to <paramref name="errors"/>.</summary>
    public async Task<IReadOnlyList<ResetRow>> PlanAsync(ResetTarget target, IReadOnlySet<int>? partitions, IDatabase redis, DateTimeOffset startedAt, List<string> errors)
    {
        var rows = new List<ResetRow>();
        var redisOffsets = stateStage is null ? new Dictionary<int, long>() : await RedisStateReader.ReadOffsetsAsync(redis, stateStage).ConfigureAwait(false);
        foreach (var (topic, count) in topics)
        {
            foreach (var p in partitions?.Where(p => p < 0 || p >= count).Order() ?? Enumerable.Empty<int>())
                errors.Add($"partition {p}: {topic} has partitions 0..{count - 1}");
            using var log = new KafkaPartitionLog(kafka, topic, groupId);
            var selected = Enumerable.Range(0, count).Where(p => partitions is null || partitions.Contains(p)).ToArray();
            var committed = log.Consumer.Committed(selected.Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10))
                .ToDictionary(c => c.Partition.Value, c => c.Offset.IsSpecial ? (long?)null : c.Offset.Value);
            var times = new OffsetForTime(log, new BrokerTimeIndex(log.Consumer, topic));
            Dictionary<int, long?>? other = null;
            if (target is ResetTarget.FromGroup from)
            {
                using var peer = new KafkaPartitionLog(kafka, topic, from.Group);
                other = peer.Consumer.Committed(selected.Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10))
                    .ToDictionary(c => c.Partition.Value, c => c.Offset.IsSpecial ? (long?)null : c.Offset.Value);
            }
            foreach (var partition in selected)
            {
                var (earliest, end) = log.Bounds(partition);
                long? recorded = redisOffsets.TryGetValue(partition, out var applied) ? applied : null;
                var current = recorded + 1 ?? committed.GetValueOrDefault(partition);
                long? next = target switch
                {
                    ResetTarget.Earliest => earliest,
                    ResetTarget.Latest => end,
                    ResetTarget.Offset o => o.Value,
                    ResetTarget.Time t => times.Find(partition, t.Value, earliest, end).Offset,
                    ResetTarget.Ago a => times.Find(partition, startedAt - a.Duration, earliest, end).Offset,
                    ResetTarget.ShiftBy s => current + s.Records,
                    ResetTarget.FromGroup => other!.GetValueOrDefault(partition),
                    _ => throw new InvalidOperationException(target.ToString()),
                };
                // The other group never committed on this partition (it never had a record there): the stage's group
                // starts there just as that group would have, so there is nothing to move.
                if (next is null && target is ResetTarget.FromGroup)
                    continue;
                if (next is not { } value)
                {
                    errors.Add($"{topic}[{partition}]: --shift-by needs a current offset and the group has none there");
                    continue;
                }
                if (value < earliest || value > end)
                {
                    errors.Add(end > earliest
                        ? $"{topic}[{partition}]: new offset {value} is outside the log, which holds offsets {earliest}..{end - 1} (end {end})"
                        : $"{topic}[{partition}]: new offset {value} is outside the log, which is empty (end {end})");
                    continue;
                }
                rows.Add(new ResetRow(topic, partition, committed.GetValueOrDefault(partition), recorded, current, value, earliest, end));
            }
        }
        return rows;
    }

    /// <summary>
    /// The group's live members as far as the broker tells: an empty list when it has none, null when the broker
    /// cannot say (librdkafka's mock does not answer DescribeConsumerGroups).
    /// </summary>
    public async Task<IReadOnlyList<string>?> LiveMembersAsync()
    {
        using var admin = new AdminClientBuilder(kafka.Admin("reset")).Build();
        try
        {
            var described = await admin.DescribeConsumerGroupsAsync([groupId], new DescribeConsumerGroupsOptions { RequestTimeout = TimeSpan.FromSeconds(5) })
                .ConfigureAwait(false);
            var group = described.ConsumerGroupDescriptions.Single();
            if (group.Error.IsError)
                return null;
            return group.Members.Select(m => $"{m.ClientId} ({m.Host}, member {m.ConsumerId})").ToArray();
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    /// <summary>
    /// Commits the new offsets for the group and, for the state stage, writes its Redis progress keys (only once the
    /// commit went through). Null when done, else why the broker would not take the commit.
    /// </summary>
    /// <remarks>
    /// First a "simple" commit from a consumer that never subscribed, which a broker accepts only while the group has
    /// no members. librdkafka's mock refuses it (unknown member) for any group that ever had members, so when that is
    /// the answer the tool joins the group itself: as its only member it is assigned every partition and commits as a
    /// member; assigned fewer, it leaves again and refuses, because someone else is in the group.
    /// </remarks>
    public async Task<string?> ApplyAsync(IReadOnlyList<ResetRow> rows, IDatabase redis)
    {
        var offsets = rows.Select(r => new TopicPartitionOffset(r.Topic, r.Partition, r.New)).ToArray();
        var config = kafka.Consumer(groupId, "reset");
        using (var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build())
        {
            try
            {
                consumer.Commit(offsets);
            }
            catch (KafkaException refused) when (refused.Error.Code is ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration or ErrorCode.RebalanceInProgress)
            {
                if (JoinAndCommit(offsets) is { } refusal)
                    return refusal;
            }
            consumer.Close();
        }
        if (stateStage is null)
            return null;
        foreach (var row in rows)
        {
            var key = FenceScript.OffsetsKey(RedisKeyspace.OffsetsPrefix, stateStage, row.Partition);
            // The key holds the last offset applied; pods resume after it. Nothing before offset 0: no key, and the
            // group's committed offset decides.
            if (row.New == 0)
                await redis.KeyDeleteAsync(key).ConfigureAwait(false);
            else
                await redis.StringSetAsync(key, (row.New - 1).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>Joins the group, and commits as its member when it was assigned every partition; else says why not.</summary>
    private string? JoinAndCommit(IReadOnlyList<TopicPartitionOffset> offsets)
    {
        var expected = topics.Sum(t => t.Partitions);
        var assigned = new HashSet<TopicPartition>();
        var config = kafka.Consumer(groupId, "reset");
        config.ClientId = "contactcenter-reset";
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                lock (assigned) assigned.UnionWith(partitions);
            })
            .SetPartitionsRevokedHandler((_, partitions) =>
            {
                lock (assigned) assigned.ExceptWith(partitions.Select(p => p.TopicPartition));
            })
            .Build();
        consumer.Subscribe(topics.Select(t => t.Topic));
        // Alone in the group, the tool is assigned everything at once. With other members (cooperative rebalancing) it
        // gets its share in a second round: once it holds some partitions and that stays short for Settle, someone
        // else holds the rest.
        var until = DateTime.UtcNow + JoinTimeout;
        DateTime? partialSince = null;
        int count;
        while (true)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
            lock (assigned) count = assigned.Count;
            if (count >= expected || DateTime.UtcNow > until)
                break;
            if (count > 0 && (partialSince ??= DateTime.UtcNow) + Settle < DateTime.UtcNow)
                break;
        }
        try
        {
            if (count == 0)
                return $"joining the group {groupId} to commit as its member, this tool was assigned no partition within {JoinTimeout.TotalSeconds:0} s (other members may hold them all)";
            if (count < expected)
                return $"the group {groupId} has other live members: joining it, this tool was assigned {count} of {expected} partitions";
            consumer.Commit(offsets);
            return null;
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>How long <see cref="JoinAndCommit"/> waits to be assigned every partition.</summary>
    public TimeSpan JoinTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a partial assignment must last before <see cref="JoinAndCommit"/> concludes there are other members.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(5);
}
