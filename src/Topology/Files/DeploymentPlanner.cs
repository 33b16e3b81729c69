namespace ContactCenter.Topology.Files;

/// <summary>What deploying a new topology over the running one does to existing state. Ordered by severity.</summary>
internal enum PlanImpact
{
    /// <summary>State carries over.</summary>
    KeepsState = 0,

    /// <summary>State stays consistent only after a replay or restore.</summary>
    NeedsReplay = 2,

    /// <summary>Deploying as is loses or corrupts state; a manual migration is needed.</summary>
    Breaks = 3,
}

/// <summary>One consequence of a deployment, with the reason and the command that fixes it.</summary>
internal sealed record PlanItem(PlanImpact Impact, string Subject, string Reason, string? Fix);

/// <summary>
/// Compares two topology files and says whether deploying NEW over OLD keeps state, needs a replay, or breaks
/// (<c>contactcenter plan</c> prints the result). Stages are matched by name, then by consumer group (a renamed stage).
/// </summary>
internal static class DeploymentPlanner
{
    /// <summary>The worst impact of <paramref name="items"/> (keeps state when there are none).</summary>
    public static PlanImpact Verdict(IReadOnlyList<PlanItem> items) => items.Count == 0 ? PlanImpact.KeepsState : items.Max(i => i.Impact);

    internal static IReadOnlyList<PlanItem> Plan(TopologyModel old, TopologyModel @new, string newPath, string? oldPath = null)
    {
        var items = new List<PlanItem>();
        var file = newPath;
        void Add(PlanImpact impact, string subject, string reason, string? fix = null) => items.Add(new PlanItem(impact, subject, reason, fix));
        // Every command a fix names is in backquotes and runs as printed (the endpoints come from CC_BOOTSTRAP_SERVERS
        // and CC_REDIS); PlanFixCommandTests feeds each one to the CLI's parser.
        string Run(string command) => $"`contactcenter {command}`";
        bool WritesRedis(string stage) => @new.Stages.FirstOrDefault(s => s.Name.Value == stage) is { } st
            && st.Sinks.Any(k => @new.Sink(k.Value)?.Kind == SinkKind.Redis);
        // The state stage is rebuilt by a replay (its writes apply over what the same records wrote before); any other
        // stage by starting it over from the beginning of its input.
        string Replay(string stage) => WritesRedis(stage)
            ? $"{Run($"replay {Quote(file)} --stage {Quote(stage)} --from earliest --to latest-at-start --execute")} (first without --execute: a dry run that prints the diff)"
            : $"stop the {stage} pods, {Run($"reset {Quote(file)} --stage {Quote(stage)} --to-earliest --execute")} and start them with a new store (empty --state-dir and changelog)";
        string StartOver(string stage, string topic) => Run($"reset {Quote(file)} --stage {Quote(stage)} --topics {Quote(topic)} --to-earliest --execute");

        var match = PlanMatcher.Create(old, @new);
        foreach (var o in old.Sources)
        {
            if (!match.Sources.TryGetValue(o, out var n))
            {
                Add(PlanImpact.KeepsState, $"source {o.Name.Value}", "removed; existing aggregates keep the parts it fed until rebuilt");
                continue;
            }
            var subject = $"source {n.Name.Value}";
            if (o.Name.Value != n.Name.Value)
                Add(PlanImpact.KeepsState, subject, $"renamed from '{o.Name.Value}' (only the name stages use for it)");
            if (o.Partitions.Value != n.Partitions.Value)
                Add(PlanImpact.Breaks, subject, $"partitions {o.Partitions.Value} -> {n.Partitions.Value}: keys move to other partitions, so stores, changelogs and the offsets recorded in Redis no longer line up with the data",
                    $"migrate under traffic (new topics, a bridge, shadow stages, a cut-over; docs/migrate.md): {Run($"migrate {Quote(oldPath ?? "OLD.yaml")} {Quote(file)}")} (a dry run that checks the cluster), then the same with --execute; or keep {o.Partitions.Value} partitions");
            if (o.Key.Value != n.Key.Value)
                Add(PlanImpact.Breaks, subject, $"key '{o.Key.Value}' -> '{n.Key.Value}': existing records are partitioned and stored by the old key",
                    "re-key into a new topic and rebuild every stage downstream from it; or keep the old key");
            if (o.Topic.Value != n.Topic.Value)
                Add(PlanImpact.NeedsReplay, subject, $"topic '{o.Topic.Value}' -> '{n.Topic.Value}': the consumer group has no offsets on the new topic",
                    ReaderOf(@new, n.Name.Value) is { } reader ? "before its first start, read the new topic from its start: " + StartOver(reader, n.Topic.Value) : null);
            if (o.OpHeader != n.OpHeader)
                Add(PlanImpact.KeepsState, subject, $"op header '{o.OpHeader}' -> '{n.OpHeader}': records already on the topic carry the old header and would dead-letter if replayed");
        }
        foreach (var n in @new.Sources.Where(s => !match.Sources.Values.Contains(s)))
            Add(PlanImpact.KeepsState, $"source {n.Name.Value}", "added");

        foreach (var o in old.Sinks)
        {
            if (!match.Sinks.TryGetValue(o, out var n))
            {
                Add(PlanImpact.KeepsState, $"sink {o.Name.Value}", "removed; its data stays where it is");
                continue;
            }
            var subject = $"sink {n.Name.Value}";
            if (o.Name.Value != n.Name.Value)
                Add(PlanImpact.KeepsState, subject, $"renamed from '{o.Name.Value}' (only the name stages use for it)");
            if (o.Kind != n.Kind)
            {
                Add(PlanImpact.Breaks, subject, $"changed from {o.Kind.ToString().ToLowerInvariant()} to {n.Kind.ToString().ToLowerInvariant()}",
                    "declare a new sink under a new name" + (WriterOf(@new, n.Name.Value) is { } w ? $", then {Replay(w)}" : ""));
                continue;
            }
            var writer = WriterOf(@new, n.Name.Value);
            string Then(string before) => writer is null ? before : $"{before}, then {Replay(writer)}";
            switch (o.Kind)
            {
                case SinkKind.Kafka:
                    if (o.Partitions!.Value != n.Partitions!.Value)
                        Add(PlanImpact.Breaks, subject, $"partitions {o.Partitions.Value} -> {n.Partitions.Value}: the topic is keyed by agent; its partitions must match the data already in it and the stores built from it",
                            Then($"create a new topic with {n.Partitions.Value} partitions under a new name"));
                    if (o.Topic!.Value != n.Topic!.Value && OnlyDeadLetters(@new, n.Name.Value))
                        Add(PlanImpact.KeepsState, subject, $"topic '{o.Topic.Value}' -> '{n.Topic.Value}': only dead letters go there; earlier ones stay on the old topic");
                    else if (o.Topic!.Value != n.Topic!.Value)
                        Add(PlanImpact.NeedsReplay, subject, $"topic '{o.Topic.Value}' -> '{n.Topic.Value}': the new topic starts empty; readers see nothing until it is refilled",
                            writer is null ? null : Replay(writer));
                    break;
                case SinkKind.Redis:
                    if (o.KeyPattern!.Value != n.KeyPattern!.Value)
                        Add(PlanImpact.NeedsReplay, subject, $"key pattern '{o.KeyPattern.Value}' -> '{n.KeyPattern.Value}': existing hashes stay under the old keys; new keys fill only as records arrive",
                            (writer is null ? "" : $"{Replay(writer)}, then ") + $"delete the old keys (never the new ones): {Run($"purge-keys {Quote(file)} --key-pattern {Quote(o.KeyPattern.Value)} --execute")}");
                    if (!SameMap(o.Fields, n.Fields))
                        Add(PlanImpact.NeedsReplay, subject, $"field mapping changed ({MapDiff(o.Fields, n.Fields)}): existing hashes keep the old fields until each key changes again",
                            writer is null ? null : Replay(writer));
                    break;
                case SinkKind.Queue:
                    if (o.Queue!.Value != n.Queue!.Value)
                        Add(PlanImpact.Breaks, subject, $"queue '{o.Queue.Value}' -> '{n.Queue.Value}': requests still waiting in the old queue are no longer drained by workers of the new one",
                            $"drain '{o.Queue.Value}' before deploying (or move its items with LMOVE {o.Queue.Value} {n.Queue.Value} RIGHT LEFT until empty)");
                    break;
            }
        }

        foreach (var o in old.Stages)
        {
            if (!match.Stages.TryGetValue(o, out var n))
            {
                Add(PlanImpact.KeepsState, $"stage {o.Name.Value}", $"removed; group '{o.Group.Value}' and its stores are left behind",
                    $"delete the consumer group '{o.Group.Value}' once it is no longer needed");
                continue;
            }
            CompareStage(o, n);
        }
        foreach (var n in @new.Stages.Where(s => !match.Stages.Values.Contains(s)))
            Add(PlanImpact.NeedsReplay, $"stage {n.Name.Value}", $"new stage: group '{n.Group.Value}' has no offsets, so its sinks only see records produced from now on",
                $"before its first start: {Run($"reset {Quote(file)} --stage {Quote(n.Name.Value)} --to-earliest --execute")}");
        return items;

        void CompareStage(StageDef o, StageDef n)
        {
            var subject = $"stage {n.Name.Value}";
            if (o.Name.Value != n.Name.Value)
                Add(PlanImpact.KeepsState, subject, $"renamed from '{o.Name.Value}' (same group '{n.Group.Value}'); the offsets recorded in Redis under cc:offsets:{o.Name.Value}:* are not found under the new name",
                    $"copy cc:offsets:{o.Name.Value}:* to cc:offsets:{n.Name.Value}:* before deploying");
            if (o.Group.Value != n.Group.Value)
                Add(PlanImpact.Breaks, subject, $"consumer group '{o.Group.Value}' -> '{n.Group.Value}': committed offsets stay with the old group, so the new one starts from auto.offset.reset (re-processing everything, or skipping to the end)",
                    $"before deploying, with the old pods stopped, move the offsets: {Run($"reset {Quote(file)} --stage {Quote(n.Name.Value)} --from-group {Quote(o.Group.Value)} --execute")}; or keep the group name");
            var oldReads = o.Reads.Select(r => match.Rename(r.Value)).ToHashSet();
            var newReads = n.Reads.Select(r => r.Value).ToHashSet();
            foreach (var added in newReads.Except(oldReads))
                Add(PlanImpact.NeedsReplay, subject, $"now reads '{added}': records already on it were never processed by this stage",
                    "before deploying: " + StartOver(n.Name.Value, TopicOf(@new, added)));
            foreach (var removed in oldReads.Except(newReads).Select(r => o.Reads.FirstOrDefault(x => match.Rename(x.Value) == r)?.Value ?? r))
                Add(PlanImpact.NeedsReplay, subject, $"no longer reads '{removed}': state built from it stays until rebuilt", Replay(n.Name.Value));
            foreach (var os in o.Stores)
            {
                var ns = n.Stores.FirstOrDefault(s => s.Name.Value == os.Name.Value);
                if (ns is null && o.Stores.Count == 1 && n.Stores.Count == 1)
                {
                    ns = n.Stores[0];
                    Add(PlanImpact.NeedsReplay, subject, $"store renamed '{os.Name.Value}' -> '{ns.Name.Value}': the local state under the old name is abandoned and the new store starts empty and is restored from its changelog",
                        $"keep the name '{os.Name.Value}', or let the restore from '{ns.Changelog.Value}' run (pods are not ready until it finishes)");
                }
                else if (ns is null)
                {
                    Add(PlanImpact.NeedsReplay, subject, $"store '{os.Name.Value}' removed", null);
                    continue;
                }
                var oldTopic = TopicOf(old, os.Changelog.Value);
                var newTopic = TopicOf(@new, ns.Changelog.Value);
                if (oldTopic != newTopic)
                    Add(PlanImpact.NeedsReplay, subject, $"changelog of store '{ns.Name.Value}' moves from topic '{oldTopic}' to '{newTopic}': the new changelog is empty, so a restore finds no state",
                        $"rebuild the store from its sources: {Replay(n.Name.Value)}");
            }
            if (o.Merge is { } om && n.Merge is { } nm) CompareMerge(subject, n, om, nm);
            var oldChain = string.Join(" | ", o.Processors.Where(p => p is not MergeDef).Select(Signature));
            var newChain = string.Join(" | ", n.Processors.Where(p => p is not MergeDef).Select(Signature));
            if (oldChain != newChain)
            {
                var onlyDedup = o.Processors.Where(p => p is not DedupDef and not MergeDef).Select(Signature).SequenceEqual(n.Processors.Where(p => p is not DedupDef and not MergeDef).Select(Signature));
                if (onlyDedup)
                    Add(PlanImpact.KeepsState, subject, "dedup settings changed: claims made under the old key prefix are not seen, so duplicates arriving within the old TTL are processed once more");
                else
                    Add(PlanImpact.NeedsReplay, subject, $"processors changed ({(oldChain.Length == 0 ? "none" : oldChain)} -> {(newChain.Length == 0 ? "none" : newChain)}): what is already in its sinks was produced by the old rules",
                        Replay(n.Name.Value));
            }
            if (o.Replicas.Value != n.Replicas.Value)
                Add(PlanImpact.KeepsState, subject, $"replicas {o.Replicas.Value} -> {n.Replicas.Value} (a rebalance, no state change)");
            if (TopicOf(old, o.DeadLetter.Value) != TopicOf(@new, n.DeadLetter.Value))
                Add(PlanImpact.KeepsState, subject, $"dead letters go to '{TopicOf(@new, n.DeadLetter.Value)}' instead of '{TopicOf(old, o.DeadLetter.Value)}'");
        }

        void CompareMerge(string subject, StageDef stage, MergeDef o, MergeDef n)
        {
            var replay = $"{Replay(stage.Name.Value)} (the versions already in store '{n.Store.Value}' would make replayed events stale), then replay the stages downstream";
            foreach (var op in o.Parts)
            {
                var np = n.Parts.FirstOrDefault(p => p.Source.Value == match.Rename(op.Source.Value));
                if (np is null) continue;
                if (op.Part.Value != np.Part.Value)
                    Add(PlanImpact.NeedsReplay, subject, $"part of source '{op.Source.Value}' renamed '{op.Part.Value}' -> '{np.Part.Value}': stored aggregates keep it under the old name and the new part starts without a version", replay);
                if (op.Primary.Value != np.Primary.Value)
                    Add(PlanImpact.NeedsReplay, subject, $"part '{np.Part.Value}' is {(np.Primary.Value ? "now" : "no longer")} primary: deletions already applied followed the old rule", replay);
                if (!SameMap(op.Fields, np.Fields))
                    Add(PlanImpact.NeedsReplay, subject, $"field mapping of part '{np.Part.Value}' changed ({MapDiff(op.Fields, np.Fields)}): stored aggregates keep the old fields until that part's next event", replay);
            }
            foreach (var added in n.Parts.Where(p => !o.Parts.Any(q => match.Rename(q.Source.Value) == p.Source.Value)))
                Add(PlanImpact.NeedsReplay, subject, $"new part '{added.Part.Value}' from '{added.Source.Value}': existing aggregates lack it until each key's next event", replay);
        }
    }

    /// <summary>A Kafka sink no stage reads or writes as output: it only receives dead letters (nothing is rebuilt from it).</summary>
    private static bool OnlyDeadLetters(TopologyModel model, string sink) =>
        !model.Stages.Any(s => s.Sinks.Any(r => r.Value == sink) || s.Reads.Any(r => r.Value == sink));

    private static string? ReaderOf(TopologyModel model, string readable) =>
        model.Stages.FirstOrDefault(s => s.Reads.Any(r => r.Value == readable))?.Name.Value;

    private static string? WriterOf(TopologyModel model, string sink) => model.Writers(sink).FirstOrDefault()?.Name.Value;

    /// <summary>A command-line word as a POSIX shell reads it: bare when safe, else in single quotes.</summary>
    internal static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "_./:=@+-,".Contains(c)) ? word : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string TopicOf(TopologyModel model, string readable) => model.Readable(readable)?.Topic ?? readable;

    private static string Signature(ProcessorDef p) => p switch
    {
        FilterDef f => $"filter {f.Field.Value} {(f.Negate ? "not " : "")}{(f.EqualsValue is { } e ? "= " + e.Value : f.In is { } i ? "in [" + string.Join(",", i.Select(v => v.Value)) + "]" : f.Exists?.Value == false ? "absent" : "exists")}",
        MapDef m => $"map rename[{string.Join(",", m.Rename.Select(r => r.Key.Value + ">" + r.Value.Value))}] drop[{string.Join(",", m.Drop.Select(d => d.Value))}] set[{string.Join(",", m.Set.Select(s => s.Key.Value + "=" + s.Value.Value))}]",
        DedupDef d => $"dedup {d.IdField?.Value ?? "key"} {d.KeyPrefix.Value} {DurationType.Format(d.Ttl.Value)}",
        _ => p.Type,
    };

    private static bool SameMap(IReadOnlyList<KeyValuePair<Loc<string>, Loc<string>>> a, IReadOnlyList<KeyValuePair<Loc<string>, Loc<string>>> b) =>
        a.Select(p => (p.Key.Value, p.Value.Value)).OrderBy(p => p).SequenceEqual(b.Select(p => (p.Key.Value, p.Value.Value)).OrderBy(p => p));

    private static string MapDiff(IReadOnlyList<KeyValuePair<Loc<string>, Loc<string>>> a, IReadOnlyList<KeyValuePair<Loc<string>, Loc<string>>> b)
    {
        var oldPairs = a.Select(p => $"{p.Key.Value}: {p.Value.Value}").ToHashSet();
        var newPairs = b.Select(p => $"{p.Key.Value}: {p.Value.Value}").ToHashSet();
        var parts = oldPairs.Except(newPairs).Select(p => "-" + p).Concat(newPairs.Except(oldPairs).Select(p => "+" + p));
        return string.Join(", ", parts);
    }
}
