using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter validate PATH... [--format text|json|sarif]</c>: every problem of every topology file (files,
/// directories, <c>-</c> for stdin); exit 1 on errors.
/// </summary>
internal static class ValidateCommand
{
    /// <summary>What stdin is called in diagnostics.</summary>
    public const string StdinName = "<stdin>";

    public static Command Create(Func<Stream>? stdin = null)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Topology files, directories (every *.yaml/*.yml below, except in fixtures directories), or - for stdin.",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = ReportFormat.Option(ReportFormat.Text, ReportFormat.Json, ReportFormat.Sarif);
        var command = new Command("validate", "Check topology files: YAML, fields, types and the pipeline rules. Exit 1 on errors.");
        command.Arguments.Add(paths);
        command.Options.Add(format);
        command.SetAction(parseResult =>
        {
            var reports = Check(parseResult.GetValue(paths) ?? [], stdin ?? Console.OpenStandardInput);
            DiagnosticReport.Write(parseResult.GetValue(format)!, reports, parseResult.InvocationConfiguration.Output);
            return reports.Any(r => r.Errors > 0) ? 1 : 0;
        });
        return command;
    }

    private static List<FileReport> Check(IEnumerable<string> arguments, Func<Stream> stdin)
    {
        var reports = new List<FileReport>();
        var stdinRead = false;
        foreach (var input in InputPaths.Expand(arguments))
        {
            if (input.IsEmptyDirectory)
            {
                reports.Add(new FileReport(input.Path, [new Diagnostic(Severity.Error, input.Path, 1, 1, "directory holds no topology files (*.yaml, *.yml)")]));
            }
            else if (input.IsStdin)
            {
                if (stdinRead) continue; // stdin can be read once; '-' twice checks it once
                stdinRead = true;
                using var stream = stdin();
                reports.Add(new FileReport(StdinName, TopologyLoader.Load(stream, StdinName).Diagnostics));
            }
            else reports.Add(new FileReport(input.Path, TopologyLoader.Load(input.Path).Diagnostics));
        }
        return reports;
    }
}
