using System.Text;
using ContactCenter.Topology.Files;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>
/// Every YAML syntax error points at the offending line and column (never 1:1 with a runtime message), and a file
/// that is not UTF-8 is an error naming the byte offset; the size limit counts bytes.
/// </summary>
[Trait("Kind", "Unit")]
public class YamlErrorPositionTests
{
    private static Diagnostic FirstError(string text)
    {
        var result = TopologyLoader.Parse(text, "t.yaml");
        Assert.Null(result.Spec);
        return result.Diagnostics.First(d => d.Severity == Severity.Error);
    }

    [Theory]
    [InlineData("tab in indentation", "version: 1\nname: x\n\tsources: []\n", 3, 1, "tab")]
    [InlineData("tab after a key", "version: 1\nsources:\n  - name: a\n\t  topic: b\n", 4, 1, "tab")]
    [InlineData("unclosed double quote", "version: 1\nname: \"x\nsources: []\n", 2, 7, "closing quote")]
    [InlineData("unclosed double quote at end", "version: 1\nname: \"x\n", 2, 7, "closing quote")]
    [InlineData("unclosed single quote at end", "version: 1\nname: 'x\n", 2, 7, "closing quote")]
    [InlineData("bad indentation", "version: 1\n  name: x\nsources: []\n", 2, 7, "YAML")]
    [InlineData("sequence under a mapping", "version: 1\n- a\n", 2, 1, "YAML")]
    [InlineData("duplicate key", "version: 1\nname: x\nname: y\n", 3, 1, "duplicate key 'name'")]
    [InlineData("duplicate key in flow", "version: 1\nsinks: [{a: 1, a: 2}]\n", 2, 16, "duplicate key 'a'")]
    [InlineData("alias without anchor", "version: 1\nname: *nope\n", 2, 7, "'*nope'")]
    [InlineData("alias before its anchor", "version: 1\nname: *a\ndescription: &a x\n", 2, 7, "'*a'")]
    [InlineData("unterminated flow sequence", "version: 1\nsources: [a, b\nname: x\n", 2, 10, "'[' is never closed")]
    [InlineData("unterminated flow sequence at end", "version: 1\nname: [\n", 2, 7, "'[' is never closed")]
    [InlineData("unterminated flow mapping", "version: 1\nsinks: {a: 1\n", 2, 8, "'{' is never closed")]
    [InlineData("mismatched brackets", "version: 1\nname: {b: [1, 2}\n", 2, 11, "'[' is never closed")]
    [InlineData("unknown escape", "version: 1\nname: \"a\\qb\"\n", 2, 7, "escape")]
    [InlineData("reserved indicator", "version: 1\nname: @x\n", 2, 7, "YAML")]
    [InlineData("control character", "version: 1\nname: a\u0001b\n", 2, 8, "U+0001")]
    [InlineData("NUL", "version: 1\n\u0000name: a\n", 2, 1, "U+0000")]
    [InlineData("a document that is only a scalar", "\n\njust a scalar\n", 3, 1, "must be a topology mapping")]
    [InlineData("a document that is only a list", "# c\n- a\n", 2, 1, "must be a topology mapping")]
    [InlineData("mapping value in plain scalar", "version: 1\nname: a: b\n", 2, 8, "YAML")]
    public void SyntaxErrorsPointAtTheOffendingToken(string what, string text, int line, int column, string message)
    {
        var error = FirstError(text);
        Assert.True(error.Line == line && error.Column == column, $"{what}: {error}");
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Operation is not valid", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnpairedSurrogateIsReportedWhereItIs()
    {
        var error = FirstError("version: 1\nname: a" + (char)0xD800 + "\n");
        Assert.Equal((2, 8), (error.Line, error.Column));
        Assert.Contains("U+D800", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("   \n\n")]
    public void EmptyFilesSayTheyAreEmpty(string text)
    {
        var error = FirstError(text);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AByteOrderMarkIsAllowedAndDoesNotShiftColumns()
    {
        var text = "\uFEFF" + Repo.AgentStateWith("    partitions: 6\n    serde: json\n    op-header: cc-op\n    description: Agent identity", "    partitions: six\n    serde: json\n    op-header: cc-op\n    description: Agent identity");
        var error = FirstError(text);
        Assert.Equal((14, 17), (error.Line, error.Column));
        WithFile(Encoding.UTF8.GetPreamble().Concat(File.ReadAllBytes(Repo.AgentState)).ToArray(), path =>
            Assert.False(TopologyLoader.Load(path).HasErrors));
    }

    [Fact]
    public void InvalidUtf8IsAnErrorNamingTheByteOffset()
    {
        var bytes = Encoding.UTF8.GetBytes("version: 1\nname: ab").Concat(new byte[] { 0xFF, 0x0A }).ToArray();
        WithFile(bytes, path =>
        {
            var error = TopologyLoader.Load(path).Diagnostics.Single();
            Assert.Equal((2, 9), (error.Line, error.Column));
            Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
            Assert.Contains("byte offset 19", error.Message, StringComparison.Ordinal);
        });
        // A truncated multi-byte sequence (é is C3 A9) at the end of the file.
        WithFile(Encoding.UTF8.GetBytes("name: caf").Append((byte)0xC3).ToArray(), path =>
            Assert.Contains("byte offset 9", TopologyLoader.Load(path).Diagnostics.Single().Message, StringComparison.Ordinal));
        WithFile([0xFF, 0xFE, (byte)'v', 0], path =>
            Assert.Contains("UTF-16", TopologyLoader.Load(path).Diagnostics.Single().Message, StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidUtf8FromStdinIsAnErrorToo()
    {
        var result = TopologyLoader.Load(new MemoryStream([(byte)'a', (byte)':', (byte)' ', 0xC0, 0x80]), "<stdin>");
        Assert.Contains("byte offset 3", result.Diagnostics.Single().Message, StringComparison.Ordinal);
        Assert.Equal("<stdin>", result.Diagnostics.Single().File);
    }

    [Fact]
    public void TheSizeLimitCountsBytesNotCharacters()
    {
        // 'é' is one char but two bytes: 2.5 Mi of them is under 4 Mi chars but over 4 MiB.
        var text = "version: 1\ndescription: " + new string('é', 2_500_000) + "\n";
        Assert.True(text.Length < YamlText.MaxBytes);
        var error = FirstError(text);
        Assert.Contains("bytes", error.Message, StringComparison.Ordinal);
        WithFile(Encoding.UTF8.GetBytes(text), path =>
            Assert.Contains("larger than the limit of 4194304 bytes", TopologyLoader.Load(path).Diagnostics.Single().Message, StringComparison.Ordinal));
        // Just under the limit in bytes is read (and fails later, for its content).
        var fits = "description: " + new string('x', YamlText.MaxBytes - 20) + "\n";
        Assert.DoesNotContain(TopologyLoader.Parse(fits, "t.yaml").Diagnostics, d => d.Message.Contains("larger than", StringComparison.Ordinal));
    }

    private static void WithFile(byte[] bytes, Action<string> test)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cc-bytes-{Guid.NewGuid():N}.yaml");
        File.WriteAllBytes(path, bytes);
        try { test(path); }
        finally { File.Delete(path); }
    }
}

/// <summary>Many broken files: one defect injected at every line of the shipped topology is reported on that line.</summary>
[Trait("Kind", "Unit")]
public class YamlErrorEveryLineTests
{
    public static TheoryData<string> Defects => new() { "tab", "unclosed quote", "unclosed single quote", "unclosed bracket", "unclosed brace", "undefined alias", "control character", "reserved indicator" };

    [Theory]
    [MemberData(nameof(Defects))]
    public void TheDefectIsReportedOnItsLine(string defect)
    {
        var lines = Repo.AgentStateText.Replace("\r\n", "\n").Split('\n');
        var failures = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            // Values only (a key: value line, not a comment or a folded text line); the defect replaces the value.
            if (colon < 0 || line.TrimStart().StartsWith('#') || line.EndsWith(':')) continue;
            var indent = line.Length - line.TrimStart().Length;
            var broken = defect switch
            {
                "tab" => "\t" + line,
                "unclosed quote" => line[..(colon + 2)] + "\"oops",
                "unclosed single quote" => line[..(colon + 2)] + "'oops",
                "unclosed bracket" => line[..(colon + 2)] + "[oops",
                "unclosed brace" => line[..(colon + 2)] + "{oops: 1",
                "reserved indicator" => line[..(colon + 2)] + "@oops",
                "undefined alias" => line[..(colon + 2)] + "*oops",
                _ => line[..(colon + 2)] + "a\u0007b",
            };
            var text = string.Join('\n', lines.Take(i).Append(broken).Concat(lines.Skip(i + 1)));
            var error = TopologyLoader.Parse(text, "t.yaml").Diagnostics.FirstOrDefault(d => d.Severity == Severity.Error && d.Message.StartsWith("YAML", StringComparison.Ordinal));
            if (error is null || error.Line != i + 1)
                failures.Add($"line {i + 1} ({defect}, indent {indent}): {error?.ToString() ?? "no YAML error"}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
