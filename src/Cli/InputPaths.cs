namespace ContactCenter.Cli;

/// <summary>
/// The files <c>validate</c> checks. A file is checked as named (whatever its extension); <c>-</c> is stdin; a
/// directory means every <c>*.yaml</c> and <c>*.yml</c> under it, recursively, in ordinal order, except inside
/// <c>fixtures</c> directories (fixtures are not topology files: <c>contactcenter test</c> checks them) and hidden
/// directories. Symbolic links to directories are not followed, so a link cycle cannot make the walk endless.
/// </summary>
internal static class InputPaths
{
    public const string Stdin = "-";

    /// <summary>One input: a path, stdin, or a directory that held no topology file (an error).</summary>
    internal readonly record struct Input(string Path, bool IsStdin, bool IsEmptyDirectory);

    public static IReadOnlyList<Input> Expand(IEnumerable<string> arguments)
    {
        var inputs = new List<Input>();
        foreach (var argument in arguments)
        {
            if (argument == Stdin) inputs.Add(new Input(argument, true, false));
            else if (Directory.Exists(argument))
            {
                var files = new List<string>();
                Walk(argument, files);
                files.Sort(StringComparer.Ordinal);
                if (files.Count == 0) inputs.Add(new Input(argument, false, true));
                inputs.AddRange(files.Select(f => new Input(f, false, false)));
            }
            else inputs.Add(new Input(argument, false, false));
        }
        return inputs;
    }

    private static void Walk(string directory, List<string> files)
    {
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo sub)
            {
                if (sub.LinkTarget is not null || sub.Name.StartsWith('.') || sub.Name == "fixtures") continue;
                Walk(Path.Combine(directory, sub.Name), files);
            }
            else if (entry.Name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || entry.Name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                files.Add(Path.Combine(directory, entry.Name));
        }
    }
}
