using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Files;

/// <summary>Turns validated <c>windows:</c> entries into the <see cref="WindowStageSpec"/>s the runtime runs.</summary>
internal static class WindowCompiler
{
    public static IReadOnlyList<WindowStageSpec> Compile(TopologyModel model, StageDef mergeStage) =>
        model.Windows.Select(w => Compile(model, mergeStage, w)).ToList();

    private static WindowStageSpec Compile(TopologyModel model, StageDef mergeStage, WindowDef w)
    {
        var input = model.Readable(w.From.Value)!.Value;
        var source = model.Source(w.From.Value);
        var deadLetter = model.Sink(w.DeadLetter.Value)!;
        return new WindowStageSpec(w.Name.Value, w.Group.Value, input.Topic, input.Partitions, w.GroupBy.Select(g => g.Value).ToList(),
            w.Store.Value, model.Sink(w.Changelog.Value)!.Topic!.Value, w.KeyPattern.Value, deadLetter.Topic!.Value)
        {
            InputFormat = source is null ? WindowInputFormat.Aggregate : WindowInputFormat.SourceEvent,
            TimestampField = source?.TimestampField ?? "ts",
            WhereField = w.Where?.Field.Value,
            WhereValues = w.Where is { } where ? where.EqualsValue is { } e ? [e.Value] : where.In!.Select(v => v.Value).ToList() : [],
            OncePerField = w.OncePer?.Value,
            Size = w.Size.Value,
            Advance = w.AdvanceOrSize,
            Grace = w.GraceOrZero,
            Retention = w.Retention.Value,
            Ttl = w.Ttl.Value,
            Replicas = w.Replicas.Value,
            DeadLetterPartitions = deadLetter.Partitions!.Value,
            Limits = model.Limits,
            ReadCommitted = mergeStage.ExactlyOnce && mergeStage.Sinks.Any(s => s.Value == w.From.Value),
        };
    }
}
