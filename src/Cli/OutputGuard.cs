namespace ContactCenter.Cli;

/// <summary>
/// Keeps a verb from writing over one of its own inputs (<c>diagram F --svg F</c> would replace the topology with
/// a picture). Paths are compared after making them absolute and resolving every symbolic link on the way.
/// </summary>
internal static class OutputGuard
{
    private const int MaxLinks = 40;

    /// <summary>An error message when <paramref name="output"/> is one of <paramref name="inputs"/>, else null.</summary>
    public static string? Check(string option, string output, IEnumerable<string> inputs)
    {
        var target = Canonical(output);
        foreach (var input in inputs)
        {
            if (string.Equals(Canonical(input), target, Comparison))
                return $"refusing to write {option} over the input file {input}: it is the same file; choose another output path";
        }
        return null;
    }

    /// <summary>
    /// The one check every verb that writes a file makes before it writes: not over one of its inputs (<see cref="Check"/>),
    /// not into a folder that does not exist, not over a folder. Null when the path can be written.
    /// </summary>
    public static string? CheckWritable(string option, string output, IEnumerable<string> inputs)
    {
        if (Check(option, output, inputs) is { } sameFile) return sameFile;
        var full = Path.GetFullPath(output);
        if (Directory.Exists(full)) return $"{option} {output} is a directory; give a file path";
        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder)) return $"{option} {output}: the folder {folder} does not exist";
        return null;
    }

    private static StringComparison Comparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>The absolute path with every symbolic link resolved (components that do not exist are kept as written).</summary>
    internal static string Canonical(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? string.Empty;
        var pending = new List<string>(Split(full[root.Length..]));
        var current = root;
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending[0];
            pending.RemoveAt(0);
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Unreadable: compare it as written.
            }
            if (target is not null && links++ < MaxLinks)
            {
                var resolved = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                var resolvedRoot = Path.GetPathRoot(resolved) ?? string.Empty;
                pending.InsertRange(0, Split(resolved[resolvedRoot.Length..]));
                current = resolvedRoot;
                continue;
            }
            current = next;
        }
        return current;
    }

    private static string[] Split(string path) =>
        path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
}
