namespace ContactCenter.Topology.Files;

/// <summary>
/// The read-only verbs that work on the file's model (<c>diagram</c> here; <c>plan</c> shares <see cref="LoadValid"/>).
/// They refuse files with errors: the errors are printed as by <c>validate</c> and the exit code is 1. (<c>describe</c>
/// works on the compiled spec and the real Streamiz topology, in the Processor.)
/// </summary>
internal static class TopologyTools
{
    /// <summary>Prints Mermaid text of the whole flow; also writes an SVG picture when <paramref name="svgPath"/> is set.</summary>
    public static int Diagram(string path, string? svgPath, TextWriter output)
    {
        if (LoadValid(path, output) is not { } model) return 1;
        output.Write(TopologyDiagram.Mermaid(model));
        if (svgPath is not null)
        {
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
        }
        return 0;
    }

    /// <summary>The file's model when it loads without errors; otherwise prints the diagnostics and returns null.</summary>
    internal static TopologyModel? LoadValid(string path, TextWriter output)
    {
        var result = TopologyLoader.Load(path);
        if (!result.HasErrors && result.Model is { } model) return model;
        foreach (var d in result.Diagnostics) output.WriteLine(d);
        return null;
    }
}
