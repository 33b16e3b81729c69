namespace ContactCenter.Topology.Files;

/// <summary>What deploying a new topology over the running one does to existing state, from least to most severe
/// (<see cref="DeploymentPlanner.ExitCode"/> gives each its exit code).</summary>
internal enum PlanImpact
{
    /// <summary>State carries over; nothing to run.</summary>
    KeepsState,

    /// <summary>State carries over once the operator ran the fix before deploying; deployed as is, the stage would
    /// rebuild what it already holds.</summary>
    NeedsAction,

    /// <summary>State stays consistent only after a replay or restore.</summary>
    NeedsReplay,

    /// <summary>Deploying as is loses or corrupts state; a migration is needed.</summary>
    Breaks,
}

/// <summary>One consequence of a deployment, with the reason and the fixes to run, in order.</summary>
internal sealed record PlanItem(PlanImpact Impact, string Subject, string Reason, IReadOnlyList<PlanFix> Fixes);

/// <summary>
/// Compares two topology files and says whether deploying NEW over OLD keeps state, needs an action or a replay, or
/// breaks (<c>contactcenter plan</c> prints the result). Stages are matched by name, then by consumer group (a renamed
/// stage). Fixes are structured (<see cref="PlanFix"/>); the executable turns them into command lines.
/// </summary>
internal static partial class DeploymentPlanner
{
    /// <summary>The worst impact of <paramref name="items"/> (keeps state when there are none).</summary>
    public static PlanImpact Verdict(IReadOnlyList<PlanItem> items) => items.Count == 0 ? PlanImpact.KeepsState : items.Max(i => i.Impact);

    /// <summary><c>plan</c>'s exit code for a verdict: 0 keeps state, 5 needs action, 2 needs a replay, 3 breaks (1 is
    /// invalid input; 4 is every verb's "cluster unreachable", which plan never is).</summary>
    public static int ExitCode(PlanImpact impact) => impact switch
    {
        PlanImpact.KeepsState => 0,
        PlanImpact.NeedsAction => 5,
        PlanImpact.NeedsReplay => 2,
        _ => 3,
    };

    internal static IReadOnlyList<PlanItem> Plan(TopologyModel old, TopologyModel @new)
    {
        var items = new List<PlanItem>();
        void Add(PlanImpact impact, string subject, string reason, params PlanFix[] fixes) => items.Add(new PlanItem(impact, subject, reason, fixes));
        StageDef? StageOf(string? name) => @new.Stages.FirstOrDefault(s => s.Name.Value == name);
        bool WritesRedis(string stage) => StageOf(stage) is { } st && st.Sinks.Any(k => @new.Sink(k.Value)?.Kind == SinkKind.Redis);
        // Writes through the fenced writer (a Redis hash or a queue sink), so it keeps progress keys and an epoch under its name.
        bool WritesFencedRedis(StageDef stage) => stage.Sinks.Any(k => @new.Sink(k.Value)?.Kind is SinkKind.Redis or SinkKind.Queue);
        bool IsMerge(string stage) => StageOf(stage)?.Merge is not null;
        // The state stage is rebuilt by a replay (its writes apply over what the same records wrote before); a merge
        // stage by starting over with an emptied store; any other stage by starting over from the start of its input.
        PlanFix Rebuild(string stage) => WritesRedis(stage) ? PlanFix.Of(PlanFixKind.Replay, stage)
            : IsMerge(stage) ? PlanFix.Of(PlanFixKind.RebuildStore, stage)
            : PlanFix.Of(PlanFixKind.StartOver, stage);
        PlanFix StartOver(string stage, string topic) => PlanFix.Of(PlanFixKind.StartOver, stage, ("topic", topic));
        PlanFix Migrate(string entry, string topic, string change, string from, string to) =>
            PlanFix.Of(PlanFixKind.Migrate, null, ("entry", entry), ("topic", topic), ("change", change), ("from", from), ("to", to));

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
                Add(PlanImpact.Breaks, subject, $"partitions {o.Partitions.Value} -> {n.Partitions.Value}: keys move to other partitions, so stores, changelogs and the offsets recorded in Redis no longer line up with the data (or keep {o.Partitions.Value} partitions)",
                    Migrate($"source {n.Name.Value}", n.Topic.Value, "partitions", o.Partitions.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), n.Partitions.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            if (o.Key.Value != n.Key.Value)
                Add(PlanImpact.Breaks, subject, $"key '{o.Key.Value}' -> '{n.Key.Value}': existing records are partitioned and stored by the old key (or keep the old key)",
                    Migrate($"source {n.Name.Value}", n.Topic.Value, "key", o.Key.Value, n.Key.Value));
            if (o.Topic.Value != n.Topic.Value)
                Add(PlanImpact.NeedsReplay, subject, $"topic '{o.Topic.Value}' -> '{n.Topic.Value}': the consumer group has no offsets on the new topic; before its first start it reads the new topic from its start",
                    ReaderOf(@new, n.Name.Value) is { } reader ? [StartOver(reader, n.Topic.Value)] : []);
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
                Add(PlanImpact.Breaks, subject, $"changed from {o.Kind.ToString().ToLowerInvariant()} to {n.Kind.ToString().ToLowerInvariant()}: what the old sink holds stays where it is, in the old form",
                    WriterOf(@new, n.Name.Value) is { } w ? [Rebuild(w)] : []);
                continue;
            }
            var writer = WriterOf(@new, n.Name.Value);
            switch (o.Kind)
            {
                case SinkKind.Kafka:
                    if (o.Partitions!.Value != n.Partitions!.Value)
                        Add(PlanImpact.Breaks, subject, $"partitions {o.Partitions.Value} -> {n.Partitions.Value}: the topic is keyed by agent; its partitions must match the data already in it and the stores built from it",
                            Migrate($"sink {n.Name.Value}", n.Topic!.Value, "partitions", o.Partitions.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), n.Partitions.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    // A store's changelog moving is judged with its stage (what the move does to the store).
                    if (o.Topic!.Value == n.Topic!.Value || IsChangelog(@new, n.Name.Value))
                        break;
                    if (OnlyDeadLetters(@new, n.Name.Value))
                        Add(PlanImpact.KeepsState, subject, $"topic '{o.Topic.Value}' -> '{n.Topic.Value}': only dead letters go there; earlier ones stay on the old topic");
                    else
                        Add(PlanImpact.NeedsReplay, subject, $"topic '{o.Topic.Value}' -> '{n.Topic.Value}': the new topic starts empty; readers see nothing until it is refilled",
                            writer is null ? [] : [Rebuild(writer)]);
                    break;
                case SinkKind.Redis:
                    if (o.KeyPattern!.Value != n.KeyPattern!.Value)
                        Add(PlanImpact.NeedsReplay, subject, $"key pattern '{o.KeyPattern.Value}' -> '{n.KeyPattern.Value}': existing hashes stay under the old keys; new keys fill only as records arrive",
                            [.. writer is null ? [] : new[] { Rebuild(writer) }, PlanFix.Of(PlanFixKind.PurgeKeys, null, ("key-pattern", o.KeyPattern.Value))]);
                    if (!SameMap(o.Fields, n.Fields))
                        Add(PlanImpact.NeedsReplay, subject, $"field mapping changed ({MapDiff(o.Fields, n.Fields)}): existing hashes keep the old fields until each key changes again",
                            writer is null ? [] : [Rebuild(writer)]);
                    break;
                case SinkKind.Queue:
                    if (o.Queue!.Value != n.Queue!.Value)
                        Add(PlanImpact.Breaks, subject, $"queue '{o.Queue.Value}' -> '{n.Queue.Value}': jobs waiting, running, delayed or dead in the old queue are no longer seen by workers of the new one; with the old stage and its workers stopped, move every key of the queue",
                            PlanFix.Of(PlanFixKind.MoveQueue, writer, ("from-queue", o.Queue.Value), ("to-queue", n.Queue.Value)));
                    break;
            }
        }

        foreach (var o in old.Stages)
        {
            if (!match.Stages.TryGetValue(o, out var n))
            {
                Add(PlanImpact.KeepsState, $"stage {o.Name.Value}", $"removed; group '{o.Group.Value}' and its stores are left behind");
                continue;
            }
            CompareStage(o, n);
        }
        foreach (var n in @new.Stages.Where(s => !match.Stages.Values.Contains(s)))
            Add(PlanImpact.NeedsReplay, $"stage {n.Name.Value}", $"new stage: group '{n.Group.Value}' has no offsets, so its sinks only see records produced from now on",
                PlanFix.Of(PlanFixKind.StartOver, n.Name.Value));
        items.AddRange(WindowPlanner.Plan(old, @new));
        return items;

        void CompareStage(StageDef o, StageDef n)
        {
            var subject = $"stage {n.Name.Value}";
            // A stage writing Redis keeps its progress keys and epoch under its name: renamed, it finds neither and
            // rebuilds everything unless they are copied first. A merge stage's state follows its group (application.id).
            var copy = o.Name.Value != n.Name.Value && WritesFencedRedis(n)
                ? o.Group.Value == n.Group.Value
                    ? PlanFix.Of(PlanFixKind.CopyProgress, n.Name.Value, ("from-stage", o.Name.Value))
                    : PlanFix.Of(PlanFixKind.CopyProgress, n.Name.Value, ("from-stage", o.Name.Value), ("from-group", o.Group.Value))
                : null;
            if (o.Name.Value != n.Name.Value && o.Group.Value == n.Group.Value)
            {
                if (copy is not null)
                    Add(PlanImpact.NeedsAction, subject, $"renamed from '{o.Name.Value}' (same group '{n.Group.Value}'): its progress keys and epoch in Redis are kept under the old name, so deployed as is it rebuilds everything; with the old pods stopped, copy them before deploying", copy);
                else
                    Add(PlanImpact.KeepsState, subject, $"renamed from '{o.Name.Value}' (same group '{n.Group.Value}'; its store follows the group)");
            }
            if (o.Group.Value != n.Group.Value)
                Add(PlanImpact.Breaks, subject, $"consumer group '{o.Group.Value}' -> '{n.Group.Value}': committed offsets stay with the old group, so the new one starts from auto.offset.reset (re-processing everything, or skipping to the end); with the old pods stopped, move them before deploying (or keep the group name)",
                    [.. copy is null ? [] : new[] { copy }, PlanFix.Of(PlanFixKind.MoveGroupOffsets, n.Name.Value, ("from-group", o.Group.Value))]);
            var oldReads = o.Reads.Select(r => match.Rename(r.Value)).ToHashSet();
            var newReads = n.Reads.Select(r => r.Value).ToHashSet();
            foreach (var added in newReads.Except(oldReads))
                Add(PlanImpact.NeedsReplay, subject, $"now reads '{added}': records already on it were never processed by this stage; before deploying, it starts over on that topic",
                    StartOver(n.Name.Value, TopicOf(@new, added)));
            foreach (var removed in oldReads.Except(newReads).Select(r => o.Reads.FirstOrDefault(x => match.Rename(x.Value) == r)?.Value ?? r))
                Add(PlanImpact.NeedsReplay, subject, $"no longer reads '{removed}': state built from it stays until rebuilt", Rebuild(n.Name.Value));
            foreach (var os in o.Stores)
            {
                var ns = n.Stores.FirstOrDefault(s => s.Name.Value == os.Name.Value);
                if (ns is null && o.Stores.Count == 1 && n.Stores.Count == 1)
                {
                    ns = n.Stores[0];
                    var sameLog = TopicOf(old, os.Changelog.Value) == TopicOf(@new, ns.Changelog.Value);
                    Add(PlanImpact.NeedsReplay, subject, sameLog
                            ? $"store renamed '{os.Name.Value}' -> '{ns.Name.Value}': the local state under the old name is abandoned and the new store is restored from its changelog '{ns.Changelog.Value}' (pods are not ready until it finishes; or keep the name)"
                            : $"store renamed '{os.Name.Value}' -> '{ns.Name.Value}': the new store and its changelog start empty, so the stage starts over from the start of its input (or keep the name)",
                        sameLog ? [] : [PlanFix.Of(PlanFixKind.StartOver, n.Name.Value)]);
                    continue;
                }
                else if (ns is null)
                {
                    Add(PlanImpact.NeedsReplay, subject, $"store '{os.Name.Value}' removed");
                    continue;
                }
                var oldTopic = TopicOf(old, os.Changelog.Value);
                var newTopic = TopicOf(@new, ns.Changelog.Value);
                if (oldTopic != newTopic)
                    Add(PlanImpact.NeedsReplay, subject, $"changelog of store '{ns.Name.Value}' moves from topic '{oldTopic}' to '{newTopic}': the new changelog is empty, so a restore finds no state; rebuild the store from its sources",
                        Rebuild(n.Name.Value));
            }
            if (o.Merge is { } om && n.Merge is { } nm) CompareMerge(subject, n, om, nm);
            // Counts and time in state read the agent table rather than change records: judged on their own.
            foreach (var (impact, reason) in CompareAgentTable(o, n))
                Add(impact, subject, reason, impact == PlanImpact.NeedsReplay ? [Rebuild(n.Name.Value)] : []);
            var oldChain = string.Join(" | ", o.Processors.Where(IsRecordStep).Select(Signature));
            var newChain = string.Join(" | ", n.Processors.Where(IsRecordStep).Select(Signature));
            if (oldChain != newChain)
            {
                var onlyDedup = o.Processors.Where(p => p is not DedupDef && IsRecordStep(p)).Select(Signature).SequenceEqual(n.Processors.Where(p => p is not DedupDef && IsRecordStep(p)).Select(Signature));
                if (onlyDedup)
                    Add(PlanImpact.KeepsState, subject, "dedup settings changed: claims made under the old key prefix are not seen, so duplicates arriving within the old TTL are processed once more");
                else
                    Add(PlanImpact.NeedsReplay, subject, $"processors changed ({(oldChain.Length == 0 ? "none" : oldChain)} -> {(newChain.Length == 0 ? "none" : newChain)}): what is already in its sinks was produced by the old rules",
                        Rebuild(n.Name.Value));
            }
            if (o.Replicas.Value != n.Replicas.Value)
                Add(PlanImpact.KeepsState, subject, $"replicas {o.Replicas.Value} -> {n.Replicas.Value} (a rebalance, no state change)");
            if (TopicOf(old, o.DeadLetter.Value) != TopicOf(@new, n.DeadLetter.Value))
                Add(PlanImpact.KeepsState, subject, $"dead letters go to '{TopicOf(@new, n.DeadLetter.Value)}' instead of '{TopicOf(old, o.DeadLetter.Value)}'");
        }

        void CompareMerge(string subject, StageDef stage, MergeDef o, MergeDef n)
        {
            // The versions already in the store would make replayed events stale: the store is rebuilt from empty, and the
            // aggregates it emits again reach the stages downstream as new records.
            var replay = Rebuild(stage.Name.Value);
            foreach (var op in o.Parts)
            {
                var np = n.Parts.FirstOrDefault(p => p.Source.Value == match.Rename(op.Source.Value));
                if (np is null) continue;
                if (op.Part.Value != np.Part.Value)
                    Add(PlanImpact.NeedsReplay, subject, $"part of source '{op.Source.Value}' renamed '{op.Part.Value}' -> '{np.Part.Value}': stored aggregates keep it under the old name and the new part starts without a version", replay);
                if (op.Primary.Value != np.Primary.Value)
                    Add(PlanImpact.NeedsReplay, subject, $"part '{np.Part.Value}' is {(np.Primary.Value ? "now" : "no longer")} primary: deletions already applied followed the old rule", replay);
                var oldTypes = op.Types.Select(t => $"{t.Key.Value}: {t.Value?.Value}").Order().ToList();
                var newTypes = np.Types.Select(t => $"{t.Key.Value}: {t.Value?.Value}").Order().ToList();
                if (!oldTypes.SequenceEqual(newTypes))
                    Add(PlanImpact.KeepsState, subject, $"declared field types of part '{np.Part.Value}' changed (-{string.Join(", -", oldTypes.Except(newTypes))} +{string.Join(", +", newTypes.Except(oldTypes))}): stored aggregates stay; from now on a record whose field has another type is dead-lettered");
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

    private static bool IsChangelog(TopologyModel model, string sink) =>
        model.Stages.Any(s => s.Stores.Any(st => st.Changelog.Value == sink));

    private static string? ReaderOf(TopologyModel model, string readable) =>
        model.Stages.FirstOrDefault(s => s.Reads.Any(r => r.Value == readable))?.Name.Value;

    private static string? WriterOf(TopologyModel model, string sink) => model.Writers(sink).FirstOrDefault()?.Name.Value;

    private static string TopicOf(TopologyModel model, string readable) => model.Readable(readable)?.Topic ?? readable;

    private static string Signature(ProcessorDef p) => p switch
    {
        FilterDef f => $"filter {f.Field.Value} {(f.Negate ? "not " : "")}{(f.EqualsValue is { } e ? "= " + e.Value : f.In is { } i ? "in [" + string.Join(",", i.Select(v => v.Value)) + "]" : f.Exists?.Value == false ? "absent" : "exists")}",
        MapDef m => $"map rename[{string.Join(",", m.Rename.Select(r => r.Key.Value + ">" + r.Value.Value))}] drop[{string.Join(",", m.Drop.Select(d => d.Value))}] set[{string.Join(",", m.Set.Select(s => s.Key.Value + "=" + s.Value.Value))}]",
        DedupDef d => $"dedup {d.IdField?.Value ?? "key"} {d.KeyPrefix.Value} {DurationType.Format(d.Ttl.Value)}",
        CountDef c => $"count {c.Name.Value} by [{string.Join(",", c.By.Select(b => b.Value))}] into {c.Key.Value}",
        TimeInStateDef t => $"time-in-state {t.Field.Value}",
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
