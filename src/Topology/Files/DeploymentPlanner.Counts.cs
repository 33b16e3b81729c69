namespace ContactCenter.Topology.Files;

/// <summary>What adding, removing or changing a count or time in state does to the agent table.</summary>
internal static partial class DeploymentPlanner
{
    /// <summary>A processor that changes the records a stage writes (not one that reads the agent table).</summary>
    private static bool IsRecordStep(ProcessorDef p) => p is not MergeDef and not CountDef and not TimeInStateDef;

    private static IEnumerable<(PlanImpact, string)> CompareAgentTable(StageDef o, StageDef n)
    {
        var oldCounts = o.Processors.OfType<CountDef>().ToList();
        var newCounts = n.Processors.OfType<CountDef>().ToList();
        foreach (var added in newCounts.Where(c => !oldCounts.Any(x => x.Name.Value == c.Name.Value)))
            yield return (PlanImpact.NeedsReplay, $"count '{added.Name.Value}' added: agents join it at their next applied write only; a replay of the stage counts every agent once (its writes apply over what the same records wrote)");
        foreach (var removed in oldCounts.Where(c => !newCounts.Any(x => x.Name.Value == c.Name.Value)))
            yield return (PlanImpact.KeepsState, $"count '{removed.Name.Value}' removed: hash '{removed.Key.Value}' is no longer kept (delete it; its per-agent marks leave the hashes at their next write)");
        foreach (var changed in newCounts)
        {
            if (oldCounts.FirstOrDefault(x => x.Name.Value == changed.Name.Value) is not { } before) continue;
            var oldBy = string.Join(",", before.By.Select(b => b.Value));
            var newBy = string.Join(",", changed.By.Select(b => b.Value));
            if (oldBy == newBy && before.Key.Value == changed.Key.Value) continue;
            yield return (PlanImpact.NeedsReplay,
                $"count '{changed.Name.Value}' changed (by [{oldBy}] into {before.Key.Value} -> by [{newBy}] into {changed.Key.Value}): it starts empty under the new rule; delete hash '{before.Key.Value}'{(before.Key.Value == changed.Key.Value ? " before deploying" : "")}, then a replay of the stage counts every agent once");
        }
        var oldTime = o.Processors.OfType<TimeInStateDef>().FirstOrDefault()?.Field.Value;
        var newTime = n.Processors.OfType<TimeInStateDef>().FirstOrDefault()?.Field.Value;
        if (oldTime != newTime)
        {
            yield return (PlanImpact.KeepsState, newTime is null
                ? $"time in state of '{oldTime}' removed: statusSince, timeInDay and timeIn leave each agent hash at its next write"
                : $"time in state now follows '{newTime}'{(oldTime is null ? "" : $" instead of '{oldTime}'")}: each agent's statusSince starts at its next change of '{newTime}'; today's totals before it are not known");
        }
    }
}
