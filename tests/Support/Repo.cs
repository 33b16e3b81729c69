namespace ContactCenter.Tests.Support;

/// <summary>Paths inside the repository, found from the test binary's location.</summary>
internal static class Repo
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "ContactCenter.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    public static string File(string relative) => Path.Combine(Root, relative);

    public static string AgentState => File("topologies/agent-state.yaml");

    public static string AgentStateText => System.IO.File.ReadAllText(AgentState);

    /// <summary>The agent-state file with one exact text replaced (the replacement must apply).</summary>
    public static string AgentStateWith(string from, string to)
    {
        var text = AgentStateText;
        Xunit.Assert.Contains(from, text);
        return text.Replace(from, to);
    }
}
