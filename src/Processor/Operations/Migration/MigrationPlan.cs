using ContactCenter.Processor.Pipeline;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Processor.Operations.Migration;

/// <summary>A topic the migration creates for the new topology, with what it is for.</summary>
internal sealed record TopicToCreate(string Name, int Partitions, IReadOnlyDictionary<string, string> Configs, string Role);

/// <summary>One source topic the bridge copies into the new topology's topic, re-partitioned by key.</summary>
internal sealed record BridgedTopic(string Source, string From, int FromPartitions, string To, int ToPartitions);

/// <summary>
/// What <c>contactcenter migrate OLD NEW</c> does, decided from the two topology files alone (the cluster is checked by
/// <see cref="MigrationPreflight"/>): the topics to create, the bridge, the shadow stages, when it cuts over and how it
/// rolls back. <see cref="Refusals"/> lists, one line each, why it cannot run at all.
/// </summary>
internal sealed record MigrationPlan(
    PipelineSpec Old,
    PipelineSpec New,
    IReadOnlyList<TopicToCreate> Topics,
    IReadOnlyList<BridgedTopic> Bridge,
    IReadOnlyList<string> Refusals)
{
    /// <summary>The migration's name: the new state stage's, whose generation it sets.</summary>
    public string Id => New.State.Name;

    /// <summary>Consumer group the bridge's positions are reported under (its exact positions are in Redis).</summary>
    public string BridgeGroup => $"cc.migrate.{Id}.bridge";

    public int PartitionsBefore => Old.Aggregate.Sources[0].Partitions;

    public int PartitionsAfter => New.Aggregate.Sources[0].Partitions;

    /// <summary>The condition checked every second before the cut-over.</summary>
    public string CutOverCondition(long maxLag) =>
        $"the bridge, group '{New.Aggregate.ApplicationId}' (stage {New.Aggregate.Name}) and stage {New.State.Name}'s Redis progress each lag at most {maxLag} records, twice in a row";

    /// <summary>How to go back, before and after the cut-over.</summary>
    public IReadOnlyList<string> RollbackPath =>
    [
        $"before the cut-over: `contactcenter migrate OLD NEW --rollback --execute` stops nothing readers see (the shadow never wrote a hash): it forgets generation and bridge state; stop the {New.State.Name} / {New.Aggregate.Name} pods and delete the new topics",
        $"after the cut-over: hashes carry the new generation, which pods of OLD (generation 0) can no longer overwrite; go back by migrating forward again, NEW to a topology with {PartitionsBefore} partitions under new names",
    ];

    /// <summary>Builds the plan for moving from <paramref name="old"/> to <paramref name="new"/>.</summary>
    public static MigrationPlan Create(PipelineSpec old, PipelineSpec @new)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(@new);
        var refusals = new List<string>();
        var bridge = new List<BridgedTopic>();
        if (old.QueueStages.Count > 0 || @new.QueueStages.Count > 0)
            refusals.Add("queue stages are not migrated yet: their jobs' idempotency keys name partitions and offsets, which a migration renumbers");
        if (old.State.KeyPattern != @new.State.KeyPattern)
            refusals.Add($"the Redis key pattern changes ('{old.State.KeyPattern}' -> '{@new.State.KeyPattern}'): migrate moves partitions under the same hashes; change the key pattern in a deploy of its own (plan, replay, purge-keys)");
        if (old.State.Name == @new.State.Name)
            refusals.Add($"the new state stage needs a name of its own (both are '{old.State.Name}'): its progress keys cc:offsets:{{stage}}:{{partition}} and its generation are kept under it");
        if (old.Aggregate.Name == @new.Aggregate.Name && old.Aggregate.ApplicationId == @new.Aggregate.ApplicationId)
            refusals.Add($"the new aggregate stage needs a group of its own (both are '{old.Aggregate.ApplicationId}'): the shadow must not take the running stage's partitions or store");
        if (old.Aggregate.ApplicationId == @new.Aggregate.ApplicationId)
            refusals.Add($"the new aggregate stage reads under the running stage's group '{old.Aggregate.ApplicationId}': give it a new group (and so a new store changelog)");
        if (old.State.GroupId == @new.State.GroupId)
            refusals.Add($"the new state stage reads under the running stage's group '{old.State.GroupId}': give it a new group");
        if (old.Aggregate.OutputTopic == @new.Aggregate.OutputTopic)
            refusals.Add($"the new aggregate stage writes the running stage's derived topic '{old.Aggregate.OutputTopic}': give it a new topic");

        var oldTopics = PipelineHost.RequiredTopics(old).Select(t => t.Topic).ToHashSet(StringComparer.Ordinal);
        foreach (var source in @new.Aggregate.Sources)
        {
            var before = old.Aggregate.Sources.FirstOrDefault(s => s.Name == source.Name);
            if (before is null)
            {
                refusals.Add($"source '{source.Name}' is not in the running topology: migrate copies each running source into its new topic; add sources in a deploy of its own");
                continue;
            }
            if (before.Part != source.Part)
                refusals.Add($"source '{source.Name}' merges as part '{source.Part}' instead of '{before.Part}': the fence compares the two generations' states part by part, by name; rename parts in a deploy of its own");
            if (before.Topic == source.Topic && before.Partitions != source.Partitions)
                refusals.Add($"source '{source.Name}' keeps topic '{source.Topic}' with {source.Partitions} partitions instead of {before.Partitions}: give the new topic its own name (e.g. '{source.Topic}.p{source.Partitions}'), the bridge copies into it");
            else if (before.Topic != source.Topic)
                bridge.Add(new BridgedTopic(source.Name, before.Topic, before.Partitions, source.Topic, source.Partitions));
            // The same topic with the same partitions (a store or changelog rename): the shadow reads it as it is.
        }
        var sharedSources = @new.Aggregate.Sources.Select(s => s.Topic).Where(oldTopics.Contains).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in old.Aggregate.Sources.Where(s => @new.Aggregate.Sources.All(n => n.Name != s.Name)))
            refusals.Add($"source '{gone.Name}' is missing from the new topology: remove sources in a deploy of its own");

        var topics = new List<TopicToCreate>();
        foreach (var (topic, partitions) in PipelineHost.RequiredTopics(@new).DistinctBy(t => t.Topic))
        {
            if (oldTopics.Contains(topic))
            {
                if (topic == @new.Aggregate.DeadLetterTopic || topic == @new.State.DeadLetterTopic || sharedSources.Contains(topic))
                    continue; // dead letters may share the running topic, and so may a source that keeps its partitions
                if (refusals.Count == 0)
                    refusals.Add($"topic '{topic}' is used by both topologies: every topic the new stages read or write must be new");
                continue;
            }
            topics.Add(new TopicToCreate(topic, partitions, PipelineHost.TopicConfigs(@new, topic), RoleOf(@new, topic)));
        }
        return new MigrationPlan(old, @new, topics, bridge, refusals);
    }

    private static string RoleOf(PipelineSpec spec, string topic)
    {
        if (spec.Aggregate.Sources.FirstOrDefault(s => s.Topic == topic) is { } source)
            return $"source '{source.Name}' (the bridge copies into it; producers switch to it)";
        if (topic == spec.Aggregate.OutputTopic)
            return $"derived topic of stage {spec.Aggregate.Name}, read by stage {spec.State.Name}";
        if (topic == Streams.AggregateTopologyBuilder.ChangelogTopic(spec.Aggregate))
            return $"changelog of store '{spec.Aggregate.StoreName}'";
        return "dead letters";
    }
}
