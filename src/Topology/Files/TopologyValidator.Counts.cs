namespace ContactCenter.Topology.Files;

/// <summary>The rules of the processors that read the agent table through the fenced write: count and time-in-state.</summary>
internal sealed partial class TopologyValidator
{
    /// <summary>Hash fields the time-in-state processor writes into the agent hash (docs/topologies.md).</summary>
    internal static readonly IReadOnlyList<string> TimeInStateFields = ["statusSince", "timeInDay", "timeIn"];

    private void CheckAgentTable(StageDef stage, List<SinkDef> sinks)
    {
        var counts = stage.Processors.OfType<CountDef>().ToList();
        var times = stage.Processors.OfType<TimeInStateDef>().ToList();
        if (counts.Count == 0 && times.Count == 0) return;
        // A sink reference that did not resolve is reported already; what it should have been is unknown.
        if (stage.Sinks.Any(r => model.Sink(r.Value) is null)) return;
        var redis = sinks.Where(s => s.Kind == SinkKind.Redis).ToList();
        if (redis.Count != 1)
        {
            foreach (var p in counts.Cast<ProcessorDef>().Concat(times))
                diags.Error(p.Name.Pos, $"{p.Type} '{p.Name.Value}' reads the agent hashes of the stage's Redis sink: stage '{stage.Name.Value}' writes {(redis.Count == 0 ? "none" : "more than one")}");
            return;
        }
        var sink = redis[0];
        // The hash fields: the sink's mapping, or (no mapping) every field the stage produces under its own name.
        var hashFields = sink.Fields.Count > 0
            ? sink.Fields.Select(f => f.Value.Value).ToHashSet(StringComparer.Ordinal)
            : OutputFields(stage, new HashSet<string>(StringComparer.Ordinal));

        Duplicates(counts, c => c.Key, $"count key in stage '{stage.Name.Value}'");
        foreach (var count in counts)
        {
            Duplicates(count.By, b => b, $"field in 'by' of count '{count.Name.Value}'");
            foreach (var by in count.By)
                CheckHashField(sink, hashFields, by, $"count '{count.Name.Value}' groups by");
        }
        foreach (var extra in times.Skip(1))
            diags.Error(extra.Name.Pos, $"stage '{stage.Name.Value}' has more than one time-in-state processor; the agent hash has one statusSince");
        if (times.Count > 0)
        {
            CheckHashField(sink, hashFields, times[0].Field, $"time-in-state '{times[0].Name.Value}' follows");
            foreach (var (from, to) in sink.Fields.Where(f => TimeInStateFields.Contains(f.Value.Value)))
                diags.Error(to.Pos, $"Redis sink '{sink.Name.Value}' maps '{from.Value}' to '{to.Value}', which time-in-state '{times[0].Name.Value}' writes itself");
        }
    }

    private void CheckHashField(SinkDef sink, HashSet<string>? hashFields, Loc<string> field, string what)
    {
        if (hashFields is null || hashFields.Contains(field.Value)) return;
        // A name of the aggregate that the sink writes under another name: point at the hash field.
        var mapped = sink.Fields.FirstOrDefault(f => f.Key.Value == field.Value).Value?.Value;
        var hint = mapped is not null
            ? $" (aggregate field '{field.Value}' is written as hash field '{mapped}')"
            : EditDistance.Hint(field.Value, hashFields);
        diags.Error(field.Pos, $"{what} '{field.Value}', which is not a field of the hashes of Redis sink '{sink.Name.Value}'{hint}");
    }
}
