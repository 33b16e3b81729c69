namespace ContactCenter.Tests.Support;

/// <summary>Finds files of the repository from the test binaries' folder.</summary>
internal static class RepoPaths
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ContactCenter.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (ContactCenter.sln) above " + AppContext.BaseDirectory);
    }
}
