using System.Text;
using System.Text.Json;

namespace ContactCenter.Tests.Cli;

/// <summary><c>validate</c> takes directories and stdin and prints text, JSON or SARIF; <c>plan</c> prints JSON too.</summary>
[Trait("Kind", "Unit")]
public sealed class ValidateFormatsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-validate-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    // One error: the first source's 'key' misspelt (13:5), reported once (not also as a missing 'key').
    private static readonly string Broken = ReplaceFirst(Repo.AgentStateText, "key: agentId", "kee: agentId");

    private static string ReplaceFirst(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        return text[..at] + to + text[(at + from.Length)..];
    }

    [Fact]
    public void DirectoriesAreWalkedRecursivelySkippingFixtures()
    {
        Write("a.yaml", Repo.AgentStateText);
        Write("nested/deeper/b.yml", Broken);
        Write("fixtures/f.yaml", "topology: ../a.yaml\ninput: []\nexpect: {}\n");
        Write("notes.txt", "not yaml");
        Write(".hidden/c.yaml", Broken);
        var (code, output) = CliRunner.Run("validate", _dir);
        Assert.Equal(1, code);
        Assert.Contains("2 files checked: 1 error, 0 warnings", output);
        Assert.Contains(Path.Combine(_dir, "nested", "deeper", "b.yml") + ":13:5: error: unknown field 'kee'", output);
        Assert.DoesNotContain("fixtures", output);
        Assert.DoesNotContain(".hidden", output);

        Assert.Equal(0, CliRunner.Run("validate", Repo.File("topologies")).Code);
    }

    [Fact]
    public void ADirectoryWithoutTopologyFilesIsAnError()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        var (code, output) = CliRunner.Run("validate", Path.Combine(_dir, "empty"));
        Assert.Equal(1, code);
        Assert.Contains("no topology files", output);
    }

    [Fact]
    public void DashReadsStdin()
    {
        var (code, output) = CliRunner.RunWithStdin(Encoding.UTF8.GetBytes(Repo.AgentStateText), "validate", "-");
        Assert.True(code == 0, output);
        (code, output) = CliRunner.RunWithStdin(Encoding.UTF8.GetBytes(Broken), "validate", "-", Repo.AgentState);
        Assert.Equal(1, code);
        Assert.Contains("<stdin>:13:5: error: unknown field 'kee'", output);
        Assert.Contains("2 files checked", output);
    }

    [Fact]
    public void JsonListsEveryFileWithItsDiagnostics()
    {
        var bad = Write("bad.yaml", Broken);
        var (code, output) = CliRunner.Run("validate", "--format", "json", Repo.AgentState, bad);
        Assert.Equal(1, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("errors").GetInt32());
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(2, files.Count);
        Assert.Equal(0, files[0].GetProperty("diagnostics").GetArrayLength());
        var d = files[1].GetProperty("diagnostics").EnumerateArray().Single(e => e.GetProperty("message").GetString()!.StartsWith("unknown", StringComparison.Ordinal));
        Assert.Equal("error", d.GetProperty("severity").GetString());
        Assert.Equal(13, d.GetProperty("line").GetInt32());
        Assert.Equal(5, d.GetProperty("column").GetInt32());
        Assert.StartsWith("unknown field 'kee'", d.GetProperty("message").GetString());
        Assert.Equal(0, CliRunner.Run("validate", "--format", "json", Repo.AgentState).Code);
    }

    [Fact]
    public void SarifIsAMinimalValidLog()
    {
        var bad = Write("dir with space/bad.yaml", Broken);
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), bad);
        var (code, output) = CliRunner.RunWithStdin(Encoding.UTF8.GetBytes("version: 1\nname: [x\n"), "validate", "--format", "sarif", bad, relative, "-");
        Assert.Equal(1, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        Assert.True(root.TryGetProperty("$schema", out _));
        var run = root.GetProperty("runs")[0];
        Assert.Equal("contactcenter", run.GetProperty("tool").GetProperty("driver").GetProperty("name").GetString());
        var ruleIds = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToHashSet();
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(results);
        foreach (var result in results)
        {
            Assert.Contains(result.GetProperty("ruleId").GetString(), ruleIds);
            Assert.Contains(result.GetProperty("level").GetString(), new[] { "error", "warning", "note" });
            Assert.False(string.IsNullOrEmpty(result.GetProperty("message").GetProperty("text").GetString()));
            var location = result.GetProperty("locations")[0].GetProperty("physicalLocation");
            var uri = location.GetProperty("artifactLocation").GetProperty("uri").GetString()!;
            Assert.True(Uri.TryCreate(uri, UriKind.RelativeOrAbsolute, out _), uri);
            Assert.DoesNotContain(' ', uri);
            Assert.True(location.GetProperty("region").GetProperty("startLine").GetInt32() >= 1);
            Assert.True(location.GetProperty("region").GetProperty("startColumn").GetInt32() >= 1);
        }
        var uris = results.Select(r => r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!).ToList();
        Assert.Contains(uris, u => u.StartsWith("file:///", StringComparison.Ordinal) && u.EndsWith("dir%20with%20space/bad.yaml", StringComparison.Ordinal));
        Assert.Contains(uris, u => !u.StartsWith("file:", StringComparison.Ordinal) && u.EndsWith("dir%20with%20space/bad.yaml", StringComparison.Ordinal));
        var yaml = results.Single(r => r.GetProperty("ruleId").GetString() == "CC0002");
        Assert.Equal(2, yaml.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32());
    }

    [Fact]
    public void UnknownFormatIsRefused()
    {
        Assert.NotEqual(0, CliRunner.Run("validate", "--format", "xml", Repo.AgentState).Code);
        Assert.NotEqual(0, CliRunner.Run("plan", "--format", "sarif", Repo.AgentState, Repo.AgentState).Code);
    }

    [Fact]
    public void PlanPrintsJsonWithTheSameExitCodes()
    {
        var changed = Write("new.yaml", Repo.AgentStateWith("group: cc.agent-state", "group: cc.agent-state-2"));
        var (code, output) = CliRunner.Run("plan", "--format", "json", Repo.AgentState, changed);
        Assert.Equal(3, code);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Equal("breaks", json.RootElement.GetProperty("verdict").GetString());
            Assert.Equal(3, json.RootElement.GetProperty("exitCode").GetInt32());
            var item = json.RootElement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("impact").GetString() == "breaks");
            Assert.Contains("consumer group", item.GetProperty("reason").GetString());
            var fix = item.GetProperty("fixes").EnumerateArray().Single();
            Assert.Equal("move-group-offsets", fix.GetProperty("kind").GetString());
            Assert.Equal("agent-state", fix.GetProperty("stage").GetString());
            Assert.Equal("cc.agent-state", fix.GetProperty("arguments").GetProperty("from-group").GetString());
            Assert.StartsWith("contactcenter reset ", fix.GetProperty("command").GetString());
        }
        (code, output) = CliRunner.Run("plan", "--format", "json", Repo.AgentState, Repo.AgentState);
        Assert.Equal(0, code);
        using (var json = JsonDocument.Parse(output))
            Assert.Equal("keeps state", json.RootElement.GetProperty("verdict").GetString());
        var invalid = Write("invalid.yaml", "version: 1\n");
        (code, output) = CliRunner.Run("plan", "--format", "json", Repo.AgentState, invalid);
        Assert.Equal(1, code);
        using (var json = JsonDocument.Parse(output))
            Assert.NotEqual(0, json.RootElement.GetProperty("diagnostics").GetArrayLength());
    }
}
