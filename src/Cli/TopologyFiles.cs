namespace ContactCenter.Cli;

/// <summary>Finds a topology file given relative to the working directory or, failing that, to the repository.</summary>
internal static class TopologyFiles
{
    public static string Resolve(string path)
    {
        if (Path.IsPathRooted(path) || File.Exists(path)) return path;
        // `dotnet run` from another folder: walk up from the binary to the checkout that holds the file.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, path);
            if (File.Exists(candidate)) return candidate;
        }
        return path;
    }
}
