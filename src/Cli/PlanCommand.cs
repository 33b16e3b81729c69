using System.CommandLine;
using System.Text.Json;
using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter plan OLD NEW [--format text|json]</c>: exit 0 keeps state, 5 needs an action before deploying,
/// 2 needs a replay, 3 breaks, 1 invalid input. The NEW file's own warnings are printed first.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var oldFile = new Argument<string>("old") { Description = "Topology file running now." };
        var newFile = new Argument<string>("new") { Description = "Topology file to deploy." };
        var format = ReportFormat.Option(ReportFormat.Text, ReportFormat.Json);
        var command = new Command("plan", "Say whether deploying NEW over OLD keeps state (exit 0), needs an action first (5), needs a replay (2) or breaks (3); 1 = invalid input.");
        command.Arguments.Add(oldFile);
        command.Arguments.Add(newFile);
        command.Options.Add(format);
        command.SetAction(parseResult => Run(parseResult.GetValue(oldFile)!, parseResult.GetValue(newFile)!,
            parseResult.GetValue(format) == ReportFormat.Json, parseResult.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(string oldPath, string newPath, bool json, TextWriter output)
    {
        var oldResult = TopologyLoader.Load(oldPath);
        var newResult = TopologyLoader.Load(newPath);
        if (oldResult.HasErrors || newResult.HasErrors || oldResult.Model is null || newResult.Model is null)
        {
            var diagnostics = oldResult.Diagnostics.Concat(newResult.Diagnostics).ToList();
            if (json) WriteJson(output, oldPath, newPath, "invalid input", 1, [], diagnostics);
            else
            {
                foreach (var d in diagnostics) output.WriteLine(d);
                output.WriteLine("plan: invalid input (exit 1)");
            }
            return 1;
        }
        // The new file's warnings are the last signal before a deployment; the old file's are history.
        var warnings = newResult.Diagnostics;
        var items = DeploymentPlanner.Plan(oldResult.Model, newResult.Model);
        var verdict = DeploymentPlanner.Verdict(items);
        var exitCode = DeploymentPlanner.ExitCode(verdict);
        if (json)
        {
            WriteJson(output, oldPath, newPath, Label(verdict).ToLowerInvariant(), exitCode, items, warnings);
            return exitCode;
        }
        foreach (var warning in warnings)
            output.WriteLine(warning);
        foreach (var item in items)
        {
            output.WriteLine($"{Label(item.Impact),-13} {item.Subject}: {item.Reason}");
            foreach (var fix in item.Fixes)
                output.WriteLine($"{"",-13} fix: {PlanFixCommands.Text(fix, newPath)}");
        }
        if (items.Count == 0) output.WriteLine("no changes that affect state");
        output.WriteLine($"verdict: {Label(verdict).ToLowerInvariant()} (exit {exitCode})");
        return exitCode;
    }

    internal static string Label(PlanImpact impact) => impact switch
    {
        PlanImpact.KeepsState => "KEEPS STATE",
        PlanImpact.NeedsAction => "NEEDS ACTION",
        PlanImpact.NeedsReplay => "NEEDS REPLAY",
        _ => "BREAKS",
    };

    private static void WriteJson(TextWriter output, string oldPath, string newPath, string verdict, int exitCode,
        IReadOnlyList<PlanItem> items, IReadOnlyList<Diagnostic> diagnostics)
    {
        var document = new
        {
            old = oldPath,
            @new = newPath,
            verdict,
            exitCode,
            items = items.Select(i => new
            {
                impact = Label(i.Impact).ToLowerInvariant(),
                subject = i.Subject,
                reason = i.Reason,
                fixes = i.Fixes.Select(f => new
                {
                    kind = PlanFixCommands.KindName(f.Kind),
                    stage = f.Stage,
                    arguments = f.Arguments.ToDictionary(a => a.Key, a => a.Value),
                    command = PlanFixCommands.Command(f, newPath),
                    procedure = PlanFixCommands.Procedure(f),
                }),
            }),
            diagnostics = diagnostics.Select(DiagnosticReport.DiagnosticJson),
        };
        output.WriteLine(JsonSerializer.Serialize(document, DiagnosticReport.Options));
    }
}
