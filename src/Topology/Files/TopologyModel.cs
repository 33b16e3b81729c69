namespace ContactCenter.Topology.Files;

using FieldMap = IReadOnlyList<KeyValuePair<Loc<string>, Loc<string>>>;

/// <summary>
/// A topology file as written, with positions, after the field tables accepted it. Entries missing a required
/// field are left out (the loader already reported them); their names stay in <see cref="Incomplete"/> so that
/// references to them do not produce a second, misleading error.
/// </summary>
internal sealed class TopologyModel
{
    public required string File { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyList<SourceDef> Sources { get; init; }
    public required IReadOnlyList<SinkDef> Sinks { get; init; }
    public required IReadOnlyList<StageDef> Stages { get; init; }
    public required IReadOnlySet<string> Incomplete { get; init; }
    public Spec.RecordLimits Limits { get; init; } = Spec.RecordLimits.Default;

    /// <summary>The window stages (<c>windows:</c>).</summary>
    public IReadOnlyList<WindowDef> Windows { get; init; } = [];

    public SourceDef? Source(string name) => Sources.FirstOrDefault(s => s.Name.Value == name);

    public SinkDef? Sink(string name) => Sinks.FirstOrDefault(s => s.Name.Value == name);

    public StageDef? Stage(string name) => Stages.FirstOrDefault(s => s.Name.Value == name);

    /// <summary>The Kafka topic and partition count behind a name a stage reads (a source or a Kafka sink).</summary>
    public (string Topic, int Partitions, bool Derived)? Readable(string name)
    {
        if (Source(name) is { } source) return (source.Topic.Value, source.Partitions.Value, false);
        if (Sink(name) is { Kind: SinkKind.Kafka } sink) return (sink.Topic!.Value, sink.Partitions!.Value, true);
        return null;
    }

    /// <summary>Stages writing the given sink.</summary>
    public IEnumerable<StageDef> Writers(string sink) => Stages.Where(s => s.Sinks.Any(n => n.Value == sink));
}

internal sealed class SourceDef
{
    public required Pos Pos { get; init; }
    public required Loc<string> Name { get; init; }
    public required Loc<string> Topic { get; init; }
    public required Loc<string> Key { get; init; }
    public required Loc<int> Partitions { get; init; }
    public required string Serde { get; init; }
    public required string OpHeader { get; init; }
    public string VersionField { get; init; } = "version";
    public string TimestampField { get; init; } = "ts";

    /// <summary>The producers' partitioner is unknown (<c>partitioner: any</c>): the source goes through a repartition topic.</summary>
    public bool AnyPartitioner { get; init; }
    public string? Description { get; init; }
}

internal enum SinkKind
{
    Kafka,
    Redis,
    Queue,
}

internal sealed class SinkDef
{
    public required Pos Pos { get; init; }
    public required Loc<string> Name { get; init; }
    public required SinkKind Kind { get; init; }
    public Loc<string>? Topic { get; init; }
    public Loc<int>? Partitions { get; init; }
    public Loc<string>? KeyPattern { get; init; }
    public FieldMap Fields { get; init; } = [];
    public Loc<string>? Queue { get; init; }
    public HttpEffectDef? Http { get; init; }
    public string? Description { get; init; }
}

internal sealed record HttpEffectDef(string Url, string Method, TimeSpan Timeout);

internal sealed class StoreDef
{
    public required Pos Pos { get; init; }
    public required Loc<string> Name { get; init; }
    public required string Kind { get; init; }
    public required Loc<string> Changelog { get; init; }
}

internal sealed class PartDef
{
    public required Pos Pos { get; init; }
    public required Loc<string> Source { get; init; }
    public required Loc<string> Part { get; init; }
    public required Loc<bool> Primary { get; init; }

    /// <summary>'primary' was written with an invalid value (already reported); the part may be meant as primary.</summary>
    public bool PrimaryInvalid { get; init; }
    public required FieldMap Fields { get; init; }

    /// <summary>Event field to its declared JSON type (<c>types</c>); a null value was written as null.</summary>
    public IReadOnlyList<KeyValuePair<Loc<string>, Loc<string>?>> Types { get; init; } = [];
}

internal abstract class ProcessorDef
{
    public required Pos Pos { get; init; }
    public required Loc<string> Name { get; init; }
    public abstract string Type { get; }
}

internal sealed class MergeDef : ProcessorDef
{
    public override string Type => "merge";
    public required Loc<string> Store { get; init; }
    public required IReadOnlyList<PartDef> Parts { get; init; }
}

internal sealed class FilterDef : ProcessorDef
{
    public override string Type => "filter";
    public required Loc<string> Field { get; init; }
    public Loc<string>? EqualsValue { get; init; }
    public IReadOnlyList<Loc<string>>? In { get; init; }
    public Loc<bool>? Exists { get; init; }
    public bool Negate { get; init; }
}

internal sealed class MapDef : ProcessorDef
{
    public override string Type => "map";
    public FieldMap Rename { get; init; } = [];
    public IReadOnlyList<Loc<string>> Drop { get; init; } = [];
    public FieldMap Set { get; init; } = [];
}

internal sealed class DedupDef : ProcessorDef
{
    public override string Type => "dedup";
    public Loc<string>? IdField { get; init; }
    public required Loc<string> KeyPrefix { get; init; }
    public required Loc<TimeSpan> Ttl { get; init; }
}

/// <summary>Grouped counts over the agent table (<c>type: count</c>): agents counted by the values of hash fields.</summary>
internal sealed class CountDef : ProcessorDef
{
    public override string Type => "count";
    public required IReadOnlyList<Loc<string>> By { get; init; }
    public required Loc<string> Key { get; init; }
}

/// <summary>Time in state (<c>type: time-in-state</c>): since when, and how long today, an agent holds each value of a hash field.</summary>
internal sealed class TimeInStateDef : ProcessorDef
{
    public override string Type => "time-in-state";
    public required Loc<string> Field { get; init; }
}

internal sealed class StageDef
{
    public required Pos Pos { get; init; }
    public required Loc<string> Name { get; init; }
    public required Loc<string> Group { get; init; }
    public required Loc<int> Replicas { get; init; }
    public required IReadOnlyList<Loc<string>> Reads { get; init; }
    public required IReadOnlyList<ProcessorDef> Processors { get; init; }
    public required IReadOnlyList<StoreDef> Stores { get; init; }
    public required IReadOnlyList<Loc<string>> Sinks { get; init; }
    public required Loc<string> DeadLetter { get; init; }

    /// <summary><c>processing-guarantee</c>: at-least-once (absent) or exactly-once.</summary>
    public Loc<string>? ProcessingGuarantee { get; init; }

    public bool ExactlyOnce => ProcessingGuarantee?.Value == "exactly-once";
    public string? Description { get; init; }

    public MergeDef? Merge => Processors.OfType<MergeDef>().FirstOrDefault();
}
