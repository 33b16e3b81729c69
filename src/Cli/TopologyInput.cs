using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>Loading topology files for the read-only verbs, which refuse a file with errors.</summary>
internal static class TopologyInput
{
    /// <summary>The file's model when it loads without errors; otherwise prints its diagnostics and returns null.</summary>
    public static TopologyModel? LoadValid(string path, TextWriter output)
    {
        var result = TopologyLoader.Load(path);
        if (!result.HasErrors && result.Model is { } model) return model;
        foreach (var d in result.Diagnostics) output.WriteLine(d);
        return null;
    }
}
