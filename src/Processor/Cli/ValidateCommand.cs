using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Processor.Cli;

/// <summary><c>contactcenter validate FILE...</c>: every problem of every topology file; exit 1 on errors.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Topology files (topologies/*.yaml).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "Check topology files: YAML, fields, types and the pipeline rules. Exit 1 on errors.");
        command.Arguments.Add(files);
        command.SetAction(parseResult => ValidateTool.Run(parseResult.GetValue(files) ?? [], parseResult.InvocationConfiguration.Output));
        return command;
    }
}
