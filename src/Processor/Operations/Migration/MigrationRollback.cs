using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations.Migration;

/// <summary>
/// Undoes a migration that has not cut over: no hash ever held the new generation (its writes changed nothing), so
/// forgetting the generation, the bridge's checkpoint, the new stage's Redis progress and the new topics leaves Redis and
/// the cluster as they were. After the cut-over it refuses: hashes carry the new generation (see
/// <see cref="MigrationPlan.RollbackPath"/>).
/// </summary>
internal static class MigrationRollback
{
    /// <summary>Why it cannot roll back now (null: it can).</summary>
    public static async Task<string?> RefusalAsync(MigrationPlan plan, KafkaClientSettings kafka, IDatabase db)
    {
        var (phase, _, _, _) = await new MigrationState(db, plan.Id).ReadAsync().ConfigureAwait(false);
        if (phase is MigrationPhase.CutOver or MigrationPhase.Done || await StageGeneration.IsCutOverAsync(db, plan.New.State.Name).ConfigureAwait(false))
            return $"migration {plan.Id} has cut over: hashes carry its generation, which pods of OLD cannot overwrite; go forward instead ({plan.RollbackPath[1]})";
        using var admin = new AdminClientBuilder(kafka.Admin("migrate")).Build();
        try
        {
            var groups = await admin.DescribeConsumerGroupsAsync([plan.New.Aggregate.ApplicationId, plan.New.State.GroupId]).ConfigureAwait(false);
            var busy = groups.ConsumerGroupDescriptions.Where(g => g.Members.Count > 0).Select(g => $"'{g.GroupId}' ({g.Members.Count} members)").ToList();
            if (busy.Count > 0)
                return $"stop the pods of the new topology first: group {string.Join(", ", busy)} still has members";
        }
        catch (KafkaException)
        {
            // A cluster that cannot describe groups: the runbook says to stop the new pods first.
        }
        return null;
    }

    /// <summary>Forgets the migration and deletes its topics; returns what it removed, one line each.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(MigrationPlan plan, KafkaClientSettings kafka, IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        var done = new List<string>();
        await StageGeneration.ForgetAsync(db, plan.New.State.Name).ConfigureAwait(false);
        done.Add($"forgot generation of stage {plan.New.State.Name}");
        await new BridgeCheckpoint(db, plan.Id).DeleteAsync().ConfigureAwait(false);
        var progress = new List<RedisKey>();
        await foreach (var key in RedisStateReader.ScanKeysAsync(redis, $"{RedisKeyspace.OffsetsPrefix}:{plan.New.State.Name}:*").ConfigureAwait(false))
            progress.Add(key);
        progress.Add(StageEpoch.Key(RedisKeyspace.EpochPrefix, plan.New.State.Name));
        await ClusterSafe.DeleteAsync(db, progress.ToArray()).ConfigureAwait(false);
        done.Add($"deleted stage {plan.New.State.Name}'s progress and epoch ({progress.Count} keys)");
        using var admin = new AdminClientBuilder(kafka.Admin("migrate")).Build();
        var topics = plan.Topics.Select(t => t.Name).ToList();
        try
        {
            await admin.DeleteTopicsAsync(topics).ConfigureAwait(false);
            done.Add($"deleted topics {string.Join(", ", topics)}");
        }
        catch (DeleteTopicsException e)
        {
            foreach (var r in e.Results)
                done.Add(r.Error.Code == ErrorCode.UnknownTopicOrPart ? $"topic {r.Topic} was not there" : $"topic {r.Topic} NOT deleted: {r.Error.Reason}");
        }
        try
        {
            await admin.DeleteGroupsAsync([plan.New.Aggregate.ApplicationId, plan.New.State.GroupId]).ConfigureAwait(false);
            done.Add($"deleted groups {plan.New.Aggregate.ApplicationId}, {plan.New.State.GroupId}");
        }
        catch (KafkaException e)
        {
            done.Add($"groups {plan.New.Aggregate.ApplicationId}, {plan.New.State.GroupId} not deleted ({e.Message}): delete them before the topics are created again");
        }
        await new MigrationState(db, plan.Id).DeleteAsync().ConfigureAwait(false);
        done.Add($"forgot migration {plan.Id}");
        return done;
    }
}
