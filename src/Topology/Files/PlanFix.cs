namespace ContactCenter.Topology.Files;

/// <summary>What an operator runs so that state carries over a deployment. The executable renders each kind as a
/// command line of the new topology file (docs/topologies.md, "plan OLD NEW", lists them).</summary>
internal enum PlanFixKind
{
    /// <summary>Re-run the state stage's whole input through its fenced writes (<c>replay ... --execute</c>).</summary>
    Replay,

    /// <summary>Move the stage's group (and Redis progress) to the start of its input, or of one topic (argument
    /// <c>topic</c>), before the stage next starts (<c>reset ... --to-earliest --execute</c>).</summary>
    StartOver,

    /// <summary>Rebuild a merge stage's store from its sources: the stage starts over with an emptied store (its
    /// stored versions would make every replayed event stale).</summary>
    RebuildStore,

    /// <summary>Give the stage's group the offsets another group committed (argument <c>from-group</c>).</summary>
    MoveGroupOffsets,

    /// <summary>Copy a renamed Redis-writing stage's progress keys, epoch and unfinished rebuild markers from its old
    /// name (argument <c>from-stage</c>), so it resumes without a rebuild (<c>copy-progress</c>).</summary>
    CopyProgress,

    /// <summary>Move every key of a durable queue (arguments <c>from-queue</c>, <c>to-queue</c>) to its new name
    /// (<c>move-queue</c>).</summary>
    MoveQueue,

    /// <summary>Delete the hashes an old key pattern left behind (argument <c>key-pattern</c>).</summary>
    PurgeKeys,

    /// <summary>The data must move to new topics (a partition count or the record key changed: arguments
    /// <c>entry</c>, <c>topic</c>, <c>change</c>, <c>from</c>, <c>to</c>). No verb does this yet (a later
    /// <c>migrate</c>); the procedure is documented.</summary>
    Migrate,
}

/// <summary>One fix: its kind, the stage it acts on (null when it acts on no single stage), and its arguments by name.</summary>
internal sealed record PlanFix(PlanFixKind Kind, string? Stage, IReadOnlyList<KeyValuePair<string, string>> Arguments)
{
    public static PlanFix Of(PlanFixKind kind, string? stage, params (string Name, string Value)[] arguments) =>
        new(kind, stage, arguments.Select(a => KeyValuePair.Create(a.Name, a.Value)).ToList());

    /// <summary>The argument named <paramref name="name"/>, or null.</summary>
    public string? Argument(string name) => Arguments.FirstOrDefault(a => a.Key == name).Value;
}
