using System.Text;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Processor.Pipeline;

/// <summary>
/// <c>describe</c>'s block for a window stage, in the form of the other consumer stages: the input, the selection, the
/// window assignment with its store and changelog, the fenced Redis write and the dead-letter topic (late and
/// malformed records).
/// </summary>
internal static class WindowDescriber
{
    public static string Header(WindowStageSpec window) =>
        $"{PipelineDescriber.StagePrefix}{window.Name}: window stage (plain consumer), consumer group {window.GroupId}\n" +
        $"#   store {window.StoreName} (changelog {window.ChangelogTopic}); late records go to {window.DeadLetterTopic}";

    public static string Describe(WindowStageSpec window)
    {
        var source = $"{window.Name}-source";
        var select = window.WhereField is null ? "every record" : window.WhereValues.Count == 1
            ? $"{window.WhereField} == {window.WhereValues[0]}"
            : $"{window.WhereField} in [{string.Join(", ", window.WhereValues)}]";
        if (window.OncePerField is { } once) select += $", once per {once} per key";
        var shape = window.Tumbling
            ? $"tumbling {Format(window.Size)}"
            : $"hopping {Format(window.Size)} every {Format(window.Advance)}";
        var text = new StringBuilder();
        text.Append("Topologies:\n");
        text.Append("   Sub-topology: 0\n");
        text.Append($"    Source: {source} (topics: [{window.InputTopic}], group: {window.GroupId})\n");
        text.Append("      --> select\n");
        text.Append($"    Processor: select (decode {(window.InputFormat == WindowInputFormat.Aggregate ? "aggregate" : "source event")}; count {select})\n");
        text.Append("      --> count-into-windows, dead-letter\n");
        text.Append($"      <-- {source}\n");
        text.Append($"    Processor: count-into-windows ({shape} by event time, grace {Format(window.Grace)}, group by {string.Join(", ", window.GroupBy)}, retention {Format(window.Retention)}; stores: [{window.StoreName}])\n");
        text.Append("      --> redis-window, dead-letter\n");
        text.Append("      <-- select\n");
        text.Append($"    Sink: redis-window (fenced redis hash per window: {window.KeyPattern}:{{start}}, count per partition fenced by its offset, ttl {Format(window.Ttl)})\n");
        text.Append("      <-- count-into-windows\n");
        text.Append($"    Sink: changelog (topic: {window.ChangelogTopic})\n");
        text.Append("      <-- count-into-windows\n");
        text.Append($"    Sink: dead-letter (topic: {window.DeadLetterTopic})\n");
        text.Append("      <-- select, count-into-windows\n");
        return text.ToString();
    }

    private static string Format(TimeSpan value)
    {
        if (value.TotalMilliseconds % 3_600_000 == 0 && value > TimeSpan.Zero) return $"{(long)value.TotalHours}h";
        if (value.TotalMilliseconds % 60_000 == 0 && value > TimeSpan.Zero) return $"{(long)value.TotalMinutes}m";
        if (value.TotalMilliseconds % 1000 == 0) return $"{(long)value.TotalSeconds}s";
        return $"{(long)value.TotalMilliseconds}ms";
    }
}
