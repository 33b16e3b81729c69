using System.CommandLine;
using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter diagram FILE [--svg out.svg]</c>: Mermaid text of the flow, optionally an SVG picture.
/// Exit 1 for an invalid file, an unwritable SVG, or an SVG path that is the topology file itself.
/// </summary>
internal static class DiagramCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "Topology file." };
        var svg = new Option<string?>("--svg") { Description = "Also write a self-contained SVG picture to this file (never the topology file itself)." };
        var command = new Command("diagram", "Print a Mermaid flowchart of sources, stages, groups, stores and sinks; --svg writes a picture.");
        command.Arguments.Add(file);
        command.Options.Add(svg);
        command.SetAction(parseResult => Run(parseResult.GetValue(file)!, parseResult.GetValue(svg), parseResult.InvocationConfiguration.Output));
        return command;
    }

    private static int Run(string path, string? svgPath, TextWriter output)
    {
        // Checked before anything is read or written, so a mistyped command changes nothing.
        if (svgPath is not null && OutputGuard.CheckWritable("--svg", svgPath, [path]) is { } refused)
        {
            output.WriteLine($"{svgPath}: error: {refused}");
            return 1;
        }
        if (TopologyInput.LoadValid(path, output) is not { } model) return 1;
        output.Write(TopologyDiagram.Mermaid(model));
        if (svgPath is null) return 0;
        try
        {
            File.WriteAllText(svgPath, TopologyDiagram.Svg(model));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            output.WriteLine($"{svgPath}: error: cannot write SVG: {ex.Message}");
            return 1;
        }
        output.WriteLine($"%% wrote {svgPath}");
        return 0;
    }
}
