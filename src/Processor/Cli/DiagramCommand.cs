using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Processor.Cli;

/// <summary><c>contactcenter diagram FILE [--svg out.svg]</c>: Mermaid text of the flow, optionally an SVG picture.</summary>
internal static class DiagramCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Topology file." };
        var svg = new Option<string?>("--svg") { Description = "Also write a self-contained SVG picture to this file." };
        var command = new Command("diagram", "Print a Mermaid flowchart of sources, stages, groups, stores and sinks; --svg writes a picture.");
        command.Arguments.Add(file);
        command.Options.Add(svg);
        command.SetAction(parseResult => TopologyTools.Diagram(parseResult.GetValue(file)!, parseResult.GetValue(svg), parseResult.InvocationConfiguration.Output));
        return command;
    }
}
