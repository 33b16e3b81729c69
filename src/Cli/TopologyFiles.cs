namespace ContactCenter.Cli;

/// <summary>Finds a topology file given relative to the working directory or, failing that, to the repository.</summary>
internal static class TopologyFiles
{
    /// <param name="note">told which file was used when it is not the one relative to the working directory.</param>
    public static string Resolve(string path, TextWriter? note = null)
    {
        if (Path.IsPathRooted(path) || File.Exists(path)) return path;
        // `dotnet run` from another folder: walk up from the binary to the checkout that holds the file.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate))
            {
                note?.WriteLine($"note: {path} is not in the working directory {Directory.GetCurrentDirectory()}; using {candidate}");
                return candidate;
            }
        }
        return path;
    }
}
