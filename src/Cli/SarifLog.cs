using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>
/// A minimal SARIF 2.1.0 log of topology diagnostics: one run, the rules used, one result per diagnostic with
/// its file (a relative URI as given on the command line, or a file: URI for absolute paths) and line:column.
/// </summary>
internal static class SarifLog
{
    private static readonly (string Id, string Text)[] Rules =
    [
        ("CC0001", "The file cannot be read, is not UTF-8, is too large or is empty (or a directory holds no topology file)."),
        ("CC0002", "YAML syntax error."),
        ("CC0003", "Topology file error: fields, types and pipeline rules."),
    ];

    public static object Create(IReadOnlyList<FileReport> files) => new Dictionary<string, object>
    {
        ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
        ["version"] = "2.1.0",
        ["runs"] = new[]
        {
            new
            {
                tool = new
                {
                    driver = new
                    {
                        name = "contactcenter",
                        rules = Rules.Select(r => new { id = r.Id, shortDescription = new { text = r.Text } }),
                    },
                },
                results = files.SelectMany(f => f.Diagnostics).Select(d => new
                {
                    ruleId = RuleOf(d),
                    level = DiagnosticReport.Level(d.Severity),
                    message = new { text = d.Message },
                    locations = new[]
                    {
                        new
                        {
                            physicalLocation = new
                            {
                                artifactLocation = new { uri = Uri(d.File) },
                                region = new { startLine = d.Line, startColumn = d.Column },
                            },
                        },
                    },
                }),
            },
        },
    };

    internal static string RuleOf(Diagnostic d) =>
        d.Message.StartsWith("YAML:", StringComparison.Ordinal) ? "CC0002"
        : d.Message.StartsWith("file ", StringComparison.Ordinal) || d.Message.StartsWith("cannot read", StringComparison.Ordinal)
          || d.Message.StartsWith("input is", StringComparison.Ordinal) || d.Message.StartsWith("directory ", StringComparison.Ordinal) ? "CC0001"
        : "CC0003";

    /// <summary>A URI reference for a path: file: URI when absolute, else the relative path with '/' and escaped segments.</summary>
    internal static string Uri(string path)
    {
        if (Path.IsPathRooted(path)) return new System.Uri(Path.GetFullPath(path)).AbsoluteUri;
        var segments = path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]);
        return string.Join('/', segments.Select(System.Uri.EscapeDataString));
    }
}
