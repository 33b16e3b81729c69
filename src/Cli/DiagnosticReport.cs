using System.Text.Json;
using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>The diagnostics of one checked file (<c>&lt;stdin&gt;</c> for standard input).</summary>
internal sealed record FileReport(string File, IReadOnlyList<Diagnostic> Diagnostics)
{
    public int Errors => Diagnostics.Count(d => d.Severity == Severity.Error);

    public int Warnings => Diagnostics.Count(d => d.Severity == Severity.Warning);
}

/// <summary>
/// Prints the diagnostics of checked files as compiler-style text, as JSON, or as a SARIF 2.1.0 log (the format
/// GitHub code scanning and editors import).
/// </summary>
internal static class DiagnosticReport
{
    public static void Write(string format, IReadOnlyList<FileReport> files, TextWriter output)
    {
        switch (format)
        {
            case ReportFormat.Json:
                output.WriteLine(JsonSerializer.Serialize(Json(files), Options));
                break;
            case ReportFormat.Sarif:
                output.WriteLine(JsonSerializer.Serialize(SarifLog.Create(files), Options));
                break;
            default:
                foreach (var d in files.SelectMany(f => f.Diagnostics)) output.WriteLine(d);
                output.WriteLine(Summary(files));
                break;
        }
    }

    internal static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static string Summary(IReadOnlyList<FileReport> files)
    {
        var errors = files.Sum(f => f.Errors);
        var warnings = files.Sum(f => f.Warnings);
        return $"{files.Count} file{(files.Count == 1 ? "" : "s")} checked: {errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}";
    }

    internal static string Level(Severity severity) => severity == Severity.Error ? "error" : "warning";

    internal static object DiagnosticJson(Diagnostic d) => new { severity = Level(d.Severity), file = d.File, line = d.Line, column = d.Column, message = d.Message };

    private static object Json(IReadOnlyList<FileReport> files) => new
    {
        files = files.Select(f => new { file = f.File, errors = f.Errors, warnings = f.Warnings, diagnostics = f.Diagnostics.Select(DiagnosticJson) }),
        errors = files.Sum(f => f.Errors),
        warnings = files.Sum(f => f.Warnings),
    };
}
