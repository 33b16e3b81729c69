namespace ContactCenter.Topology.Files;

/// <summary>How bad a <see cref="Diagnostic"/> is: errors make a file unusable, warnings do not.</summary>
public enum Severity
{
    Warning,
    Error,
}

/// <summary>One problem found in a topology or fixture file, with its 1-based position.</summary>
public sealed record Diagnostic(Severity Severity, string File, int Line, int Column, string Message)
{
    /// <summary>The compiler-style form <c>file:line:col: error|warning: message</c> editors and CI understand.</summary>
    public override string ToString() =>
        $"{File}:{Line}:{Column}: {(Severity == Severity.Error ? "error" : "warning")}: {Message}";
}

/// <summary>A 1-based line and column in a file.</summary>
internal readonly record struct Pos(int Line, int Column)
{
    public static readonly Pos Start = new(1, 1);

    public static Pos Of(YamlDotNet.Core.Mark mark) => new((int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));
}

/// <summary>A value read from a file together with where it was written.</summary>
internal sealed record Loc<T>(T Value, Pos Pos);

/// <summary>Collects diagnostics for one file.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public DiagnosticBag(string file) => File = file;

    public string File { get; }

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Exists(d => d.Severity == Severity.Error);

    public void Error(Pos pos, string message) => _items.Add(new Diagnostic(Severity.Error, File, pos.Line, pos.Column, message));

    public void Warning(Pos pos, string message) => _items.Add(new Diagnostic(Severity.Warning, File, pos.Line, pos.Column, message));

    /// <summary>Diagnostics sorted by position so a reader can walk the file top to bottom.</summary>
    public IReadOnlyList<Diagnostic> Sorted() =>
        _items.OrderBy(d => d.Line).ThenBy(d => d.Column).ThenByDescending(d => d.Severity).ToList();
}
