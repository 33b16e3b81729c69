using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Processor.Cli;

/// <summary><c>contactcenter plan OLD NEW</c>: exit 0 keeps state, 2 needs a replay, 3 breaks, 1 invalid input.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var oldFile = new Argument<string>("old") { Description = "Topology file running now." };
        var newFile = new Argument<string>("new") { Description = "Topology file to deploy." };
        var command = new Command("plan", "Say whether deploying NEW over OLD keeps state (exit 0), needs a replay (2) or breaks (3); 1 = invalid input.");
        command.Arguments.Add(oldFile);
        command.Arguments.Add(newFile);
        command.SetAction(parseResult => DeploymentPlanner.Run(parseResult.GetValue(oldFile)!, parseResult.GetValue(newFile)!, parseResult.InvocationConfiguration.Output));
        return command;
    }
}
