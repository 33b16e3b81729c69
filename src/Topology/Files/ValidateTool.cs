namespace ContactCenter.Topology.Files;

/// <summary><c>contactcenter validate</c>: checks topology files and prints every problem.</summary>
internal static class ValidateTool
{
    /// <summary>Prints each file's diagnostics as <c>file:line:col: error|warning: message</c>; 1 when any file has errors.</summary>
    public static int Run(IReadOnlyList<string> files, TextWriter output)
    {
        var errors = 0;
        var warnings = 0;
        foreach (var file in files)
        {
            var result = TopologyLoader.Load(file);
            foreach (var diagnostic in result.Diagnostics) output.WriteLine(diagnostic);
            errors += result.Diagnostics.Count(d => d.Severity == Severity.Error);
            warnings += result.Diagnostics.Count(d => d.Severity == Severity.Warning);
        }
        output.WriteLine($"{files.Count} file{(files.Count == 1 ? "" : "s")} checked: {errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}");
        return errors > 0 ? 1 : 0;
    }
}
