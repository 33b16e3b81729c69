using System.Text;
using ContactCenter.Processor.Streams;
using ContactCenter.Stores;
using ContactCenter.Topology.Spec;
using ContactCenter.Processor.Stages;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// What <c>describe</c> prints: each stage of a compiled <see cref="PipelineSpec"/> as its host runs it. The aggregate
/// stage is the Streamiz topology <see cref="AggregateTopologyBuilder"/> builds, printed by Streamiz's own
/// <c>Topology.Describe()</c>; the state and queue stages are plain consumers, so their text is generated here from the
/// spec their host runs, in the same form (one source, the record steps in order, the sinks).
/// </summary>
internal static class PipelineDescriber
{
    /// <summary>Header line that opens a stage's block.</summary>
    public const string StagePrefix = "# stage ";

    public static string Describe(PipelineSpec spec)
    {
        var text = new StringBuilder();
        text.Append(AggregateHeader(spec.Aggregate)).Append('\n');
        text.Append(Normalize(DescribeAggregate(spec.Aggregate)));
        text.Append('\n').Append(StateHeader(spec.State)).Append('\n');
        text.Append(DescribeState(spec.State));
        foreach (var queue in spec.QueueStages)
        {
            text.Append('\n').Append(QueueHeader(queue)).Append('\n');
            text.Append(DescribeQueue(queue));
        }
        foreach (var window in spec.Windows)
            text.Append('\n').Append(WindowDescriber.Header(window)).Append('\n').Append(WindowDescriber.Describe(window));
        return text.ToString();
    }

    /// <summary>
    /// The aggregate stage's header: what Streamiz's description leaves out (the store's changelog topic, and the
    /// dead-letter topic, which the transformer writes through its own producer, outside the topology).
    /// </summary>
    public static string AggregateHeader(AggregateStageSpec stage) =>
        $"{StagePrefix}{stage.Name}: Streamiz application, application.id (consumer group) {stage.ApplicationId}\n" +
        $"#   store {stage.StoreName} (changelog {AggregateTopologyBuilder.ChangelogTopic(stage)}); rejected records go to {stage.DeadLetterTopic} through the dead-letter producer";

    public static string StateHeader(StateStageSpec stage) =>
        $"{StagePrefix}{stage.Name}: plain consumer, consumer group {stage.GroupId}";

    public static string QueueHeader(QueueStageSpec stage) =>
        $"{StagePrefix}{stage.Name}: plain consumer, consumer group {stage.GroupId}\n" +
        "#   compiled from the file; this runtime has no host for queue stages yet";

    /// <summary>
    /// Streamiz's description of the aggregate stage's topology: built exactly as the host builds it, with an
    /// in-memory store of the same name and a dead-letter sink that is never called (nothing runs).
    /// </summary>
    public static string DescribeAggregate(AggregateStageSpec stage)
    {
        var store = AggregateStores.Create(StoreKind.Memory, stage.StoreName);
        var topology = AggregateTopologyBuilder.Build(stage, store, NoDeadLetters.Instance, new StageCounters(), partitions: null);
        return topology.Describe().ToString() ?? string.Empty;
    }

    /// <summary>
    /// The state stage as <see cref="StateStageHost"/> runs it: consume the derived topic, check and decode each
    /// aggregate (<c>StateStep</c>), run the record processors in order, project the fields and write them with the
    /// fenced script, which also records the stage's progress. A rejected record, a processor that throws and a write
    /// Redis refuses go to the dead-letter topic.
    /// </summary>
    public static string DescribeState(StateStageSpec stage)
    {
        var fields = stage.Fields.Count == 0
            ? "every field"
            : string.Join(", ", stage.Fields.Select(f => f.From == f.To ? f.From : $"{f.From} -> {f.To}"));
        var redis = $"fenced redis hash: {stage.KeyPattern}, fields: {fields}, progress: {RedisKeyspace.OffsetsPrefix}:{stage.Name}:{{partition}}";
        foreach (var count in stage.Counts)
            redis += $", count {count.Name}: agents by [{string.Join(", ", count.By)}] in {count.Key}";
        if (stage.TimeInStateField is { } state)
            redis += $", time in state of {state}: statusSince, timeInDay, timeIn";
        return Chain(stage.Name, stage.InputTopic, stage.GroupId, stage.Processors, "redis-hash", redis, stage.DeadLetterTopic, stateStage: true);
    }

    /// <summary>A queue stage as its spec states it: consume a derived topic, run the processors, push to the queue.</summary>
    public static string DescribeQueue(QueueStageSpec stage) =>
        Chain(stage.Name, stage.InputTopic, stage.GroupId, stage.Processors, "redis-queue", $"redis queue: {stage.QueueKey}", stage.DeadLetterTopic, stateStage: false);

    /// <param name="stateStage">
    /// The state stage's host first checks and decodes every record (<c>StateStep</c>) and dead-letters a write Redis
    /// refuses; a queue stage has no host yet, so only what its spec states is shown.
    /// </param>
    private static string Chain(string stageName, string inputTopic, string group, IReadOnlyList<RecordProcessorSpec> processors,
        string sinkName, string sinkTarget, string deadLetterTopic, bool stateStage)
    {
        var source = $"{stageName}-source";
        const string deadLetter = "dead-letter";
        var steps = new List<(string Name, string Detail)>();
        if (stateStage) steps.Add(("check-and-decode", "key, size and aggregate checks"));
        steps.AddRange(processors.Select(p => (p.Name, Kind(p))));

        var text = new StringBuilder();
        text.Append("Topologies:\n");
        text.Append("   Sub-topology: 0\n");
        text.Append($"    Source: {source} (topics: [{inputTopic}], group: {group})\n");
        text.Append(steps.Count > 0 ? $"      --> {steps[0].Name}\n" : $"      --> {sinkName}, {deadLetter}\n");
        for (var i = 0; i < steps.Count; i++)
        {
            var next = i + 1 < steps.Count ? steps[i + 1].Name : sinkName;
            var previous = i == 0 ? source : steps[i - 1].Name;
            text.Append($"    Processor: {steps[i].Name} ({steps[i].Detail})\n");
            text.Append($"      --> {next}, {deadLetter}\n");
            text.Append($"      <-- {previous}\n");
        }
        text.Append($"    Sink: {sinkName} ({sinkTarget})\n");
        text.Append($"      <-- {(steps.Count > 0 ? steps[^1].Name : source)}\n");
        var rejecters = steps.Count > 0 ? steps.Select(s => s.Name).ToList() : [source];
        if (stateStage) rejecters.Add(sinkName);
        text.Append($"    Sink: {deadLetter} (topic: {deadLetterTopic})\n");
        text.Append($"      <-- {string.Join(", ", rejecters)}\n");
        return text.ToString();
    }

    private static string Kind(RecordProcessorSpec processor) => processor switch
    {
        FilterProcessorSpec f => $"filter: {FilterText(f)}",
        MapProcessorSpec m => $"map: {MapText(m)}",
        DedupProcessorSpec d => $"dedup: first claim of {d.KeyPrefix}{{{d.IdField ?? "key"}}} for {d.Ttl}",
        _ => processor.GetType().Name,
    };

    private static string FilterText(FilterProcessorSpec f)
    {
        var test = f.Test switch
        {
            FilterTest.Equal => $"{f.Field} == {f.Values[0]}",
            FilterTest.OneOf => $"{f.Field} in [{string.Join(", ", f.Values)}]",
            FilterTest.Exists => $"{f.Field} exists",
            FilterTest.Absent => $"{f.Field} absent",
            _ => f.Field,
        };
        return f.Negate ? $"drop {test}" : $"keep {test}";
    }

    private static string MapText(MapProcessorSpec m)
    {
        var parts = new List<string>();
        if (m.Rename.Count > 0) parts.Add("rename " + string.Join(", ", m.Rename.Select(r => $"{r.From} -> {r.To}")));
        if (m.Drop.Count > 0) parts.Add("drop " + string.Join(", ", m.Drop));
        if (m.Set.Count > 0) parts.Add("set " + string.Join(", ", m.Set.Select(s => $"{s.Key} = {s.Value}")));
        return string.Join("; ", parts);
    }

    /// <summary>Streamiz ends lines with the platform's newline; the rest of the output uses '\n'.</summary>
    private static string Normalize(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        return normalized.EndsWith('\n') ? normalized : normalized + "\n";
    }
}
