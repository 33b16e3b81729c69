namespace ContactCenter.Tests.Cli;

/// <summary>Nothing a verb writes may overwrite one of its inputs, however the output path is spelled.</summary>
[Trait("Kind", "Unit")]
public sealed class OutputOverwriteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-overwrite-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Topology()
    {
        var path = Path.Combine(_dir, "t.yaml");
        File.WriteAllText(path, Repo.AgentStateText);
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        return path;
    }

    public static TheoryData<string> Spellings => new()
    {
        "same path",
        "relative path",
        "dot segments",
        "symlink to the file",
        "symlink to the directory",
        "double slash",
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public void DiagramRefusesToWriteItsSvgOverTheTopologyFile(string spelling)
    {
        var topology = Topology();
        var output = spelling switch
        {
            "same path" => topology,
            "relative path" => Path.GetRelativePath(Directory.GetCurrentDirectory(), topology),
            "dot segments" => Path.Combine(_dir, "sub", "..", ".", "t.yaml"),
            "symlink to the file" => File.CreateSymbolicLink(Path.Combine(_dir, "link.svg"), topology).FullName,
            "symlink to the directory" => Path.Combine(Directory.CreateSymbolicLink(Path.Combine(_dir, "dirlink"), _dir).FullName, "t.yaml"),
            _ => _dir + "//t.yaml",
        };
        var (code, text) = CliRunner.Run("diagram", topology, "--svg", output);
        Assert.Equal(1, code);
        Assert.Contains("refusing to write --svg over the input file", text);
        Assert.Equal(Repo.AgentStateText, File.ReadAllText(topology));
    }

    [Fact]
    public void RunRefusesAStateDirectoryThatIsTheTopologyFile()
    {
        var topology = Topology();
        var (code, text) = CliRunner.Run("run", "--topology", topology, "--bootstrap-servers", "localhost:1", "--redis", "localhost:1", "--state-dir", Path.Combine(_dir, "sub", "..", "t.yaml"));
        Assert.Equal(2, code);
        Assert.Contains("refusing to write --state-dir over the input file", text);
        Assert.Equal(Repo.AgentStateText, File.ReadAllText(topology));
    }

    [Fact]
    public void DiagramStillWritesToAnotherFile()
    {
        var topology = Topology();
        var svg = Path.Combine(_dir, "t.svg");
        var (code, _) = CliRunner.Run("diagram", topology, "--svg", svg);
        Assert.Equal(0, code);
        Assert.StartsWith("<svg", File.ReadAllText(svg));
        // Writing it again over the previous picture is fine: it is not an input.
        Assert.Equal(0, CliRunner.Run("diagram", topology, "--svg", svg).Code);
    }
}
