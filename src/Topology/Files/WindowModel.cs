namespace ContactCenter.Topology.Files;

/// <summary>A <c>windows:</c> entry as written, with positions (<see cref="WindowFormat.Window"/>).</summary>
internal sealed class WindowDef
{
    public required Pos Pos { get; init; }
    public required Loc<string> Name { get; init; }
    public required Loc<string> Group { get; init; }
    public required Loc<int> Replicas { get; init; }
    public required Loc<string> From { get; init; }
    public WindowWhereDef? Where { get; init; }
    public Loc<string>? OncePer { get; init; }
    public required IReadOnlyList<Loc<string>> GroupBy { get; init; }
    public required Loc<TimeSpan> Size { get; init; }

    /// <summary>Null when left out: then equal to <see cref="Size"/> (tumbling).</summary>
    public Loc<TimeSpan>? Advance { get; init; }
    public Loc<TimeSpan>? Grace { get; init; }
    public required Loc<TimeSpan> Retention { get; init; }
    public required Loc<string> Store { get; init; }
    public required Loc<string> Changelog { get; init; }
    public required Loc<string> KeyPattern { get; init; }
    public required Loc<TimeSpan> Ttl { get; init; }
    public required Loc<string> DeadLetter { get; init; }
    public string? Description { get; init; }

    public TimeSpan AdvanceOrSize => Advance?.Value ?? Size.Value;

    public TimeSpan GraceOrZero => Grace?.Value ?? TimeSpan.Zero;
}

/// <summary>A window's <c>where</c>: the field and the value(s) a counted record has.</summary>
internal sealed class WindowWhereDef
{
    public required Pos Pos { get; init; }
    public required Loc<string> Field { get; init; }
    public Loc<string>? EqualsValue { get; init; }
    public IReadOnlyList<Loc<string>>? In { get; init; }
}

/// <summary>Builds <see cref="WindowDef"/>s from the field-table output.</summary>
internal static class WindowModelBuilder
{
    public static IReadOnlyList<WindowDef> Build(Obj root, HashSet<string> incomplete)
    {
        var windows = new List<WindowDef>();
        foreach (var o in root.List<Obj>("windows"))
        {
            if (o.Str("name") is { } name && o.Str("group") is { } group && o.Str("from") is { } from && o.Values.ContainsKey("group-by")
                && o.Duration("size") is { } size && o.Duration("retention") is { } retention && o.Str("store") is { } store
                && o.Str("changelog") is { } changelog && o.Str("key-pattern") is { } pattern && o.Duration("ttl") is { } ttl
                && o.Str("dead-letter") is { } deadLetter && (!o.Present.Contains("where") || o.Object("where")?.Str("field") is not null))
            {
                windows.Add(new WindowDef
                {
                    Pos = o.Pos, Name = name, Group = group, Replicas = o.Int("replicas") ?? new Loc<int>(1, o.Pos), From = from,
                    Where = o.Object("where") is { } w && w.Str("field") is { } field
                        ? new WindowWhereDef { Pos = w.Pos, Field = field, EqualsValue = w.Str("equals"), In = w.Values.ContainsKey("in") ? w.List<Loc<string>>("in") : null }
                        : null,
                    OncePer = o.Str("once-per"), GroupBy = o.List<Loc<string>>("group-by"), Size = size, Advance = o.Duration("advance"),
                    Grace = o.Duration("grace"), Retention = retention, Store = store, Changelog = changelog, KeyPattern = pattern, Ttl = ttl,
                    DeadLetter = deadLetter, Description = o.Str("description")?.Value,
                });
            }
            else if (o.Str("name") is { } n) incomplete.Add(n.Value);
            else if (o.Invalid.TryGetValue("name", out var raw)) incomplete.Add(raw);
        }
        return windows;
    }
}
