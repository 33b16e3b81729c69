using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations.Migration;

/// <summary>What the cluster and Redis say about a plan: one line per reason it could not finish, and the generation the
/// new state stage will write as.</summary>
internal sealed record PreflightResult(IReadOnlyList<string> Refusals, long Generation, MigrationPhase Phase, IReadOnlyList<string> ExistingTopics);

/// <summary>
/// Checks a <see cref="MigrationPlan"/> against the cluster and Redis before anything is written: a topic to create that
/// exists with other partitions or configs, a source whose retention already deleted records (the shadow could not
/// rebuild the state they made), or whose retention is shorter than the copy would take, and a new state stage that
/// already wrote progress without a generation (pods of NEW started before the migration).
/// </summary>
internal static class MigrationPreflight
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <param name="copyRecordsPerSecond">What the bridge is assumed to copy per second, to judge retention.</param>
    public static async Task<PreflightResult> CheckAsync(MigrationPlan plan, KafkaClientSettings kafka, IDatabase db, double copyRecordsPerSecond = 20_000)
    {
        var refusals = new List<string>(plan.Refusals);
        var state = new MigrationState(db, plan.Id);
        var (phase, recorded, _, _) = await state.ReadAsync().ConfigureAwait(false);
        var oldGeneration = await StageGeneration.ReadAsync(db, plan.Old.State.Name).ConfigureAwait(false);
        var generation = phase != MigrationPhase.None ? recorded : (oldGeneration?.Number ?? 0) + 1;
        if (phase == MigrationPhase.None && await StageGeneration.ReadAsync(db, plan.New.State.Name).ConfigureAwait(false) is null
            && await db.KeyExistsAsync(FenceScript.OffsetsKey(RedisKeyspace.OffsetsPrefix, plan.New.State.Name, 0)).ConfigureAwait(false))
            refusals.Add($"stage {plan.New.State.Name} already wrote to Redis without a generation (pods of the new topology ran before the migration): stop them, delete cc:offsets:{plan.New.State.Name}:* and its group's offsets, then migrate");

        using var admin = new AdminClientBuilder(kafka.Admin("migrate")).Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(Timeout);
        }
        catch (KafkaException e)
        {
            throw new InvalidOperationException($"cannot reach Kafka at {kafka.BootstrapServers}: {e.Error.Reason}", e);
        }
        var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
        var existingNew = new List<string>();
        foreach (var topic in plan.Topics)
        {
            if (!existing.TryGetValue(topic.Name, out var partitions)) continue;
            existingNew.Add(topic.Name);
            if (partitions != topic.Partitions)
            {
                refusals.Add($"topic '{topic.Name}' already exists with {partitions} partitions, not {topic.Partitions}: delete it or name another topic in NEW");
                continue;
            }
            foreach (var (name, wanted) in topic.Configs)
            {
                var actual = await ConfigAsync(admin, topic.Name, name).ConfigureAwait(false);
                if (actual is not null && actual != wanted)
                    refusals.Add($"topic '{topic.Name}' already exists with {name}={actual}, the new topology needs {wanted}: delete it or name another topic in NEW");
            }
        }

        using var probe = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer($"cc.migrate.preflight.{Guid.NewGuid():N}")).Build();
        foreach (var bridged in plan.Bridge)
        {
            if (!existing.TryGetValue(bridged.From, out var partitions))
            {
                refusals.Add($"source topic '{bridged.From}' does not exist");
                continue;
            }
            long records = 0;
            for (var p = 0; p < partitions; p++)
            {
                var marks = probe.QueryWatermarkOffsets(new TopicPartition(bridged.From, p), Timeout);
                if (marks.Low.Value > 0 && phase == MigrationPhase.None)
                {
                    refusals.Add($"source '{bridged.Source}': retention already deleted offsets 0..{marks.Low.Value - 1} of {bridged.From}[{p}], so the new stages could not rebuild the state those records made (seeding the new store from the old changelog is not built yet)");
                    break;
                }
                records += marks.High.Value - marks.Low.Value;
            }
            var retention = await ConfigAsync(admin, bridged.From, "retention.ms").ConfigureAwait(false);
            if (retention is not null && long.TryParse(retention, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var retentionMs) && retentionMs >= 0)
            {
                var copyMs = records / copyRecordsPerSecond * 1000 * 2; // twice the estimate: headroom for the shadow to catch up
                if (copyMs >= retentionMs)
                    refusals.Add($"source '{bridged.Source}': retention.ms={retentionMs} of {bridged.From} is shorter than copying its {records} records would take (about {copyMs / 1000:0} s with headroom): raise retention.ms first");
            }
        }
        return new PreflightResult(refusals, generation, phase, existingNew);
    }

    private static async Task<string?> ConfigAsync(IAdminClient admin, string topic, string name)
    {
        try
        {
            var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]).ConfigureAwait(false);
            return described.SelectMany(r => r.Entries).FirstOrDefault(e => e.Key == name).Value?.Value;
        }
        catch (KafkaException)
        {
            return null; // a cluster that cannot say (librdkafka's mock): nothing to compare
        }
    }
}
