using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Files;

/// <summary>
/// Turns a validated <see cref="TopologyModel"/> into the runtime's <see cref="PipelineSpec"/>. The runtime runs one
/// merge stage (Streamiz), one Redis state stage and any number of queue stages; a file that describes something
/// else is valid as a file but cannot be compiled, and the reasons are reported here.
/// </summary>
internal static class TopologyCompiler
{
    public static PipelineSpec? Compile(TopologyModel model, DiagnosticBag diags)
    {
        var before = diags.Items.Count(d => d.Severity == Severity.Error);
        var mergeStages = model.Stages.Where(s => s.Merge is not null).ToList();
        var redisStages = model.Stages.Where(s => SinksOf(model, s).Any(k => k.Kind == SinkKind.Redis)).ToList();
        var root = model.Stages.FirstOrDefault()?.Pos ?? Pos.Start;
        if (mergeStages.Count != 1)
            diags.Error(mergeStages.Count > 1 ? mergeStages[1].Name.Pos : root, $"the runtime runs exactly one merge stage; this file has {mergeStages.Count}");
        if (redisStages.Count != 1)
            diags.Error(redisStages.Count > 1 ? redisStages[1].Name.Pos : root, $"the runtime runs exactly one stage writing to Redis; this file has {redisStages.Count}");
        foreach (var stage in model.Stages.Where(s => s.Merge is null))
        {
            var sinks = SinksOf(model, stage).ToList();
            if (stage.Reads.Count != 1)
                diags.Error(stage.Name.Pos, $"stage '{stage.Name.Value}' reads {stage.Reads.Count} topics; the runtime's non-merge stages read exactly one derived topic");
            else if (model.Readable(stage.Reads[0].Value) is { Derived: false })
                diags.Error(stage.Reads[0].Pos, $"stage '{stage.Name.Value}' reads source '{stage.Reads[0].Value}' directly; the runtime's non-merge stages read a derived (aggregate) topic");
            if (sinks.Count(s => s.Kind != SinkKind.Kafka) != 1 || sinks.Any(s => s.Kind == SinkKind.Kafka))
                diags.Error(stage.Name.Pos, $"stage '{stage.Name.Value}' must write to exactly one Redis or queue sink (and no Kafka sink) to run");
        }
        if (diags.Items.Count(d => d.Severity == Severity.Error) > before || diags.HasErrors)
            return null;

        var mergeStage = mergeStages[0];
        var merge = mergeStage.Merge!;
        var changelogs = mergeStage.Stores.Select(s => s.Changelog.Value).ToHashSet(StringComparer.Ordinal);
        var output = SinksOf(model, mergeStage).Single(s => s.Kind == SinkKind.Kafka && !changelogs.Contains(s.Name.Value));
        var sources = merge.Parts.Select(p =>
        {
            var source = model.Source(p.Source.Value)!;
            return new SourceSpec(source.Name.Value, source.Topic.Value, source.Partitions.Value, p.Part.Value, p.Primary.Value,
                p.Fields.Select(f => new FieldMapping(f.Key.Value, f.Value.Value) { Type = DeclaredType(p, f.Key.Value) }).ToList(), source.OpHeader)
            {
                KeyField = source.Key.Value, VersionField = source.VersionField, TimestampField = source.TimestampField,
                Repartition = source.AnyPartitioner,
            };
        }).ToList();
        var aggregate = new AggregateStageSpec(mergeStage.Name.Value, mergeStage.Group.Value, sources, merge.Store.Value,
            output.Topic!.Value, output.Partitions!.Value, DeadLetterTopic(model, mergeStage))
        {
            DeadLetterPartitions = DeadLetterPartitions(model, mergeStage),
            Limits = model.Limits,
            Guarantee = mergeStage.ExactlyOnce ? ProcessingGuarantee.ExactlyOnce : ProcessingGuarantee.AtLeastOnce,
        };

        var stateStage = redisStages[0];
        var redis = SinksOf(model, stateStage).Single(s => s.Kind == SinkKind.Redis);
        var input = model.Readable(stateStage.Reads[0].Value)!.Value;
        var state = new StateStageSpec(stateStage.Name.Value, stateStage.Group.Value, input.Topic, input.Partitions,
            redis.KeyPattern!.Value, redis.Fields.Select(f => new FieldMapping(f.Key.Value, f.Value.Value)).ToList(),
            DeadLetterTopic(model, stateStage), Processors(stateStage))
        {
            DeadLetterPartitions = DeadLetterPartitions(model, stateStage),
            Limits = model.Limits,
            ReadCommitted = stateStage.ExactlyOnce || (stateStage.Reads[0].Value == output.Name.Value && mergeStage.ExactlyOnce),
            Counts = stateStage.Processors.OfType<CountDef>().Select(c => new CountSpec(c.Name.Value, c.By.Select(b => b.Value).ToList(), c.Key.Value)).ToList(),
            TimeInStateField = stateStage.Processors.OfType<TimeInStateDef>().FirstOrDefault()?.Field.Value,
        };

        var queues = model.Stages
            .Where(s => s.Merge is null && SinksOf(model, s).Any(k => k.Kind == SinkKind.Queue))
            .Select(s =>
            {
                var queue = SinksOf(model, s).Single(k => k.Kind == SinkKind.Queue);
                var read = model.Readable(s.Reads[0].Value)!.Value;
                return new QueueStageSpec(s.Name.Value, s.Group.Value, read.Topic, read.Partitions, queue.Queue!.Value, DeadLetterTopic(model, s), Processors(s))
                {
                    SinkName = queue.Name.Value,
                    Fields = queue.Fields.Select(f => new FieldMapping(f.Key.Value, f.Value.Value)).ToList(),
                    Http = queue.Http is { } http ? new HttpEffectSpec(http.Url, http.Method, http.Timeout) : null,
                    DeadLetterPartitions = DeadLetterPartitions(model, s),
                    Limits = model.Limits,
                };
            }).ToList();

        return new PipelineSpec(model.Name, aggregate, state) { QueueStages = queues, Windows = WindowCompiler.Compile(model, mergeStage) };
    }

    private static IEnumerable<SinkDef> SinksOf(TopologyModel model, StageDef stage) =>
        stage.Sinks.Select(r => model.Sink(r.Value)).OfType<SinkDef>();

    /// <summary>The type a part declares for an event field (<c>types</c>); any when it declares none.</summary>
    private static JsonFieldType DeclaredType(PartDef part, string field) =>
        part.Types.FirstOrDefault(t => t.Key.Value == field).Value?.Value is { } name
            ? Enum.Parse<JsonFieldType>(name, ignoreCase: true)
            : JsonFieldType.Any;

    private static string DeadLetterTopic(TopologyModel model, StageDef stage) => model.Sink(stage.DeadLetter.Value)!.Topic!.Value;

    private static int DeadLetterPartitions(TopologyModel model, StageDef stage) => model.Sink(stage.DeadLetter.Value)!.Partitions!.Value;

    internal static IReadOnlyList<RecordProcessorSpec> Processors(StageDef stage) =>
        stage.Processors.Select(Processor).OfType<RecordProcessorSpec>().ToList();

    private static RecordProcessorSpec? Processor(ProcessorDef def) => def switch
    {
        FilterDef f when f.EqualsValue is { } value => new FilterProcessorSpec(f.Name.Value, f.Field.Value, FilterTest.Equal, [value.Value], f.Negate),
        FilterDef f when f.In is { } values => new FilterProcessorSpec(f.Name.Value, f.Field.Value, FilterTest.OneOf, values.Select(v => v.Value).ToList(), f.Negate),
        FilterDef f when f.Exists is { } exists => new FilterProcessorSpec(f.Name.Value, f.Field.Value, exists.Value ? FilterTest.Exists : FilterTest.Absent, [], f.Negate),
        MapDef m => new MapProcessorSpec(m.Name.Value,
            m.Rename.Select(r => new FieldMapping(r.Key.Value, r.Value.Value)).ToList(),
            m.Drop.Select(d => d.Value).ToList(),
            m.Set.Select(s => new KeyValuePair<string, string>(s.Key.Value, s.Value.Value)).ToList()),
        DedupDef d => new DedupProcessorSpec(d.Name.Value, d.IdField?.Value, d.KeyPrefix.Value, d.Ttl.Value),
        _ => null,
    };
}
