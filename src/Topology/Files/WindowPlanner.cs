namespace ContactCenter.Topology.Files;

/// <summary>
/// What deploying NEW over OLD does to the window stages (<c>windows:</c>), for <see cref="DeploymentPlanner"/>.
/// Windows are matched by name, then by consumer group. A window's store holds counts per window boundary: a new size or
/// advance cannot reuse them, a new selection or grouping makes them count something else.
/// </summary>
internal static class WindowPlanner
{
    public static IEnumerable<PlanItem> Plan(TopologyModel old, TopologyModel @new)
    {
        var matched = new HashSet<WindowDef>();
        foreach (var o in old.Windows)
        {
            var n = @new.Windows.FirstOrDefault(w => w.Name.Value == o.Name.Value && !matched.Contains(w))
                ?? @new.Windows.FirstOrDefault(w => w.Group.Value == o.Group.Value && !matched.Contains(w));
            if (n is null)
            {
                yield return Item(PlanImpact.KeepsState, o, $"removed; its Redis hashes ({o.KeyPattern.Value}:start) expire after their ttl ({DurationType.Format(o.Ttl.Value)}), group '{o.Group.Value}' and changelog '{o.Changelog.Value}' are left behind");
                continue;
            }
            matched.Add(n);
            foreach (var item in Compare(old, @new, o, n)) yield return item;
        }
        foreach (var n in @new.Windows.Where(w => !matched.Contains(w)))
            yield return Item(PlanImpact.KeepsState, n, $"added: group '{n.Group.Value}' has no offsets, so it reads '{n.From.Value}' from its start and counts what lies within retention ({DurationType.Format(n.Retention.Value)}); records older than that are dropped as late (dead-lettered), which costs one read of the input");
    }

    private static IEnumerable<PlanItem> Compare(TopologyModel old, TopologyModel @new, WindowDef o, WindowDef n)
    {
        // A recount: the window starts over from the start of its input with an empty store. Its Redis writes are fenced
        // by input offset per partition, so the recount rewrites each window with the same absolute count and cannot
        // double any; it costs one read of the input, and windows older than the input's retention are not rebuilt.
        var recount = $"recount: with the window's pods stopped, empty its store (delete changelog topic '{TopicOf(@new, n.Changelog.Value)}' and its local state) and delete its hashes '{n.KeyPattern.Value}:*' (their per-partition offsets would make the recount's writes look old), then reset it to the start of '{n.From.Value}': one full read of the input; only windows within the input's own retention come back";
        if (o.Name.Value != n.Name.Value)
            yield return Item(PlanImpact.KeepsState, n, $"renamed from '{o.Name.Value}' (same group '{n.Group.Value}'; its store follows the group); late dead letters name the new window");
        var shapeChanged = o.Size.Value != n.Size.Value || o.AdvanceOrSize != n.AdvanceOrSize;
        if (shapeChanged)
            yield return Item(PlanImpact.NeedsReplay, n,
                $"windows {Shape(o)} -> {Shape(n)}: counts are kept per window boundary, so the stored windows and the Redis hashes under '{o.KeyPattern.Value}:start' cannot be turned into the new windows (a 15m count cannot be split into 5m ones). Deployed as is, the store mixes old and new boundaries. {Cap(recount)} (or recount under a new key pattern); the old hashes expire after {DurationType.Format(o.Ttl.Value)}", Recount(n));
        var selection = Selection(o) != Selection(n);
        var grouping = !o.GroupBy.Select(g => g.Value).SequenceEqual(n.GroupBy.Select(g => g.Value));
        if (selection || grouping || TopicOf(old, o.From.Value) != TopicOf(@new, n.From.Value))
            yield return Item(PlanImpact.NeedsReplay, n,
                $"{(selection ? $"selection {Selection(o)} -> {Selection(n)}" : grouping ? $"group-by [{string.Join(", ", o.GroupBy.Select(g => g.Value))}] -> [{string.Join(", ", n.GroupBy.Select(g => g.Value))}]" : $"input '{TopicOf(old, o.From.Value)}' -> '{TopicOf(@new, n.From.Value)}'")}: the stored counts were made by the old rule and would be added to; {recount}", Recount(n));
        if (o.Group.Value != n.Group.Value || o.Store.Value != n.Store.Value || TopicOf(old, o.Changelog.Value) != TopicOf(@new, n.Changelog.Value))
        {
            if (!shapeChanged && !selection && !grouping)
                yield return Item(PlanImpact.NeedsReplay, n,
                    $"{(o.Group.Value != n.Group.Value ? $"group '{o.Group.Value}' -> '{n.Group.Value}'" : $"store '{o.Store.Value}' -> '{n.Store.Value}'")}: the changelog is '<group>-<store>-changelog', so the store starts empty and the window recounts from the start of '{n.From.Value}' (one full read; the fenced Redis writes rewrite the same counts, none is doubled); windows older than the input's retention are not rebuilt", PlanFix.Of(PlanFixKind.StartOver, n.Name.Value));
        }
        if (o.KeyPattern.Value != n.KeyPattern.Value && !shapeChanged)
            yield return Item(PlanImpact.NeedsReplay, n,
                $"key pattern '{o.KeyPattern.Value}' -> '{n.KeyPattern.Value}': the new keys get a window's count at its next update; windows that never change again stay under the old keys until their ttl ({DurationType.Format(o.Ttl.Value)}); a recount writes every window within retention under the new keys", Recount(n));
        if (o.GraceOrZero != n.GraceOrZero)
            yield return Item(PlanImpact.KeepsState, n, $"grace {DurationType.Format(o.GraceOrZero)} -> {DurationType.Format(n.GraceOrZero)}: applies to windows still open; records already dead-lettered as late stay dead-lettered");
        if (o.Retention.Value != n.Retention.Value)
            yield return Item(PlanImpact.KeepsState, n, $"retention {DurationType.Format(o.Retention.Value)} -> {DurationType.Format(n.Retention.Value)}: windows are dropped from the store by the new bound from the next record on; dropped windows do not come back");
        if (o.Ttl.Value != n.Ttl.Value)
            yield return Item(PlanImpact.KeepsState, n, $"ttl {DurationType.Format(o.Ttl.Value)} -> {DurationType.Format(n.Ttl.Value)}: a window's hash takes the new ttl at its next update");
        if (o.Replicas.Value != n.Replicas.Value)
            yield return Item(PlanImpact.KeepsState, n, $"replicas {o.Replicas.Value} -> {n.Replicas.Value} (a rebalance: a partition's windows move with it, restored from the changelog)");
    }

    private static PlanItem Item(PlanImpact impact, WindowDef window, string reason, params PlanFix[] fixes) => new(impact, $"window {window.Name.Value}", reason, fixes);

    /// <summary>The window recounts from the start of its input with an emptied store (and its old hashes deleted).</summary>
    private static PlanFix Recount(WindowDef window) => PlanFix.Of(PlanFixKind.RebuildStore, window.Name.Value);

    private static string Cap(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static string Shape(WindowDef w) => w.AdvanceOrSize == w.Size.Value
        ? $"tumbling {DurationType.Format(w.Size.Value)}"
        : $"hopping {DurationType.Format(w.Size.Value)} every {DurationType.Format(w.AdvanceOrSize)}";

    private static string Selection(WindowDef w)
    {
        var where = w.Where is null ? "every record"
            : w.Where.EqualsValue is { } e ? $"{w.Where.Field.Value} == {e.Value}"
            : $"{w.Where.Field.Value} in [{string.Join(", ", w.Where.In!.Select(v => v.Value))}]";
        return w.OncePer is { } once ? $"{where} once per {once.Value}" : where;
    }

    private static string TopicOf(TopologyModel model, string readable) => model.Readable(readable)?.Topic ?? readable;
}
