namespace ContactCenter.Sandbox.Scale;

/// <summary>One change of the pod count and, per partition, the longest time its records stopped reaching Redis.</summary>
/// <param name="Label">e.g. <c>1 -> 3</c> or <c>kill -9 + replacement</c>.</param>
/// <param name="Graceful">True when no pod died without a drain (scale-out, SIGTERM scale-in).</param>
/// <param name="StartMs">When the change began (pods launched or signalled), on the run's clock.</param>
/// <param name="ReadyMs">When the new pods were ready or the stopped ones had exited.</param>
/// <param name="LongestPauseMs">Per partition: the longest gap between two of its records reaching Redis from its last
/// record before the change to the next change (null: too few records to tell).</param>
internal sealed record ScaleChange(string Label, bool Graceful, double StartMs, double ReadyMs, IReadOnlyList<double?> LongestPauseMs)
{
    public double MaxPauseMs => LongestPauseMs.Max(p => p ?? 0);

    public int WorstPartition => LongestPauseMs.Select((p, i) => (p ?? 0, i)).Max().i;
}

/// <summary>What a scaling run measured and whether Redis ended exact.</summary>
/// <param name="BaselineMaxPauseMs">The longest gap of any partition before the first change: what "no pause" looks like
/// at this traffic rate and poll interval.</param>
/// <param name="ExitCodes">Exit codes of the pods stopped with SIGTERM (all must be 0).</param>
internal sealed record PodScaleReport(
    IReadOnlyList<ScaleChange> Changes,
    double BaselineMaxPauseMs,
    int AgentsChecked,
    int Mismatches,
    IReadOnlyList<string> MismatchSamples,
    IReadOnlyList<int?> ExitCodes,
    long EventsProduced,
    bool SharedStateDir)
{
    /// <summary>The longest pause any partition saw in a graceful change (scale-out or SIGTERM scale-in).</summary>
    public double MaxGracefulPauseMs => Changes.Where(c => c.Graceful).Select(c => c.MaxPauseMs).DefaultIfEmpty(0).Max();

    /// <summary>The longest pause any partition saw when a pod was killed with SIGKILL (includes the session timeout).</summary>
    public double MaxKillPauseMs => Changes.Where(c => !c.Graceful).Select(c => c.MaxPauseMs).DefaultIfEmpty(0).Max();

    public bool Exact => Mismatches == 0;

    /// <summary>One line per change, partitions in order: for logs and test output.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"baseline (before any change): longest gap {BaselineMaxPauseMs:F0} ms; state dir {(SharedStateDir ? "shared" : "per pod")}";
        foreach (var c in Changes)
            yield return $"{c.Label,-24} pods ready/exited after {(c.ReadyMs - c.StartMs) / 1000:F1} s; longest pause per partition (ms): "
                + string.Join(" ", c.LongestPauseMs.Select((p, i) => $"p{i}={(p is { } v ? v.ToString("F0") : "-")}"))
                + $"; max {c.MaxPauseMs:F0} ms (p{c.WorstPartition})";
        yield return $"events {EventsProduced}; agents checked {AgentsChecked}, differing {Mismatches}"
            + (MismatchSamples.Count > 0 ? ": " + string.Join("; ", MismatchSamples) : "")
            + $"; SIGTERM exit codes [{string.Join(",", ExitCodes.Select(e => e?.ToString() ?? "none"))}]";
    }
}
