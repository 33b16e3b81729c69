using System.Text;

namespace ContactCenter.Topology.Files;

/// <summary>
/// Prints each stage as Kafka Streams' <c>Topology.describe()</c> would: every stage is its own application, so each
/// gets its own <c>Topologies:</c> block with one sub-topology (merge and processors are a single connected chain).
/// Redis and queue sinks, which Kafka Streams has no node for, are printed as sinks with their target.
/// </summary>
internal static class TopologyDescriber
{
    public static string Describe(TopologyModel model)
    {
        var text = new StringBuilder();
        foreach (var stage in model.Stages)
        {
            if (text.Length > 0) text.Append('\n');
            text.Append($"# stage {stage.Name.Value}: application.id / consumer group {stage.Group.Value}, {stage.Replicas.Value} replica{(stage.Replicas.Value == 1 ? "" : "s")}\n");
            DescribeStage(model, stage, text);
        }
        return text.ToString();
    }

    private static void DescribeStage(TopologyModel model, StageDef stage, StringBuilder text)
    {
        var sources = stage.Reads.Select(r => (Name: r.Value, Topic: model.Readable(r.Value)?.Topic ?? r.Value)).ToList();
        var processors = stage.Processors.Select(p => p.Name.Value).ToList();
        var sinks = stage.Sinks.Select(s => s.Value).ToList();
        var deadLetter = stage.DeadLetter.Value;
        var firstAfterSources = processors.Count > 0 ? [processors[0]] : sinks;
        // Records the stage cannot decode or process leave from the first processor (or the sources when there is none).
        var deadLetterFrom = processors.Count > 0 ? [processors[0]] : sources.Select(s => s.Name).ToList();

        text.Append("Topologies:\n   Sub-topology: 0\n");
        foreach (var source in sources)
        {
            var next = processors.Count > 0 ? firstAfterSources : [.. sinks, deadLetter];
            text.Append($"    Source: {source.Name} (topics: [{source.Topic}])\n      --> {string.Join(", ", next.Distinct())}\n");
        }
        for (var i = 0; i < processors.Count; i++)
        {
            var processor = stage.Processors[i];
            var stores = processor is MergeDef merge ? merge.Store.Value : string.Empty;
            var next = new List<string>();
            next.AddRange(i + 1 < processors.Count ? [processors[i + 1]] : sinks);
            if (i == 0) next.Add(deadLetter);
            var previous = i == 0 ? sources.Select(s => s.Name) : [processors[i - 1]];
            text.Append($"    Processor: {processor.Name.Value} (stores: [{stores}])\n");
            text.Append($"      --> {string.Join(", ", next.Distinct())}\n");
            text.Append($"      <-- {string.Join(", ", previous)}\n");
        }
        var last = processors.Count > 0 ? [processors[^1]] : sources.Select(s => s.Name).ToList();
        foreach (var sink in sinks.Where(s => s != deadLetter))
            text.Append($"    Sink: {sink} ({Target(model, sink)})\n      <-- {string.Join(", ", last)}\n");
        var dlqFrom = deadLetterFrom.ToList();
        if (sinks.Contains(deadLetter)) dlqFrom = dlqFrom.Union(last).ToList();
        text.Append($"    Sink: {deadLetter} ({Target(model, deadLetter)})\n      <-- {string.Join(", ", dlqFrom)}\n");
    }

    private static string Target(TopologyModel model, string sinkName) => model.Sink(sinkName) switch
    {
        { Kind: SinkKind.Kafka } s => $"topic: {s.Topic!.Value}",
        { Kind: SinkKind.Redis } s => $"redis hash: {s.KeyPattern!.Value}",
        { Kind: SinkKind.Queue } s => $"redis queue: {s.Queue!.Value}",
        _ => "unknown",
    };
}
