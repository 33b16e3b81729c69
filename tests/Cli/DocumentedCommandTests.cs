using System.CommandLine;
using System.Text.RegularExpressions;
using ContactCenter.Cli;
using Xunit;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// Every concrete <c>contactcenter ...</c> command line the docs give an operator (runbooks, README, deploy notes) is one
/// the CLI accepts as written: an operator follows them word for word. Usage synopses (with <c>[...]</c> or <c>|</c>)
/// are not commands and are skipped.
/// </summary>
[Trait("Kind", "Unit")]
public partial class DocumentedCommandTests
{
    [GeneratedRegex(@"^\s*(?:\d+\.\s+|\$\s+|-\s+)?(contactcenter\s.*)$")]
    private static partial Regex CommandLine();

    [Fact]
    public void Every_command_line_in_the_docs_parses()
    {
        var root = new RootCommand("test");
        foreach (var command in CommandCatalog.All())
            root.Subcommands.Add(command);
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root(), "docs"), "*.md")
            .Append(Path.Combine(RepoPaths.Root(), "README.md"))
            .Concat(Directory.GetFiles(Path.Combine(RepoPaths.Root(), "deploy"), "*.md", SearchOption.AllDirectories));
        var failures = new List<string>();
        var checkedLines = 0;
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (CommandLine().Match(lines[i]) is not { Success: true } match) continue;
                var line = match.Groups[1].Value;
                var comment = line.IndexOf(" #", StringComparison.Ordinal);
                if (comment >= 0) line = line[..comment];
                line = line.Trim().TrimEnd('`');
                if (line.IndexOfAny(['[', '|', '<', '>', '"', '\\', '$']) >= 0 || line.Contains("...", StringComparison.Ordinal)) continue;
                var words = PlanFixCommandTests.ShellWords(line);
                var parsed = root.Parse(words.Skip(1).ToArray());
                checkedLines++;
                if (parsed.Errors.Count > 0 || parsed.CommandResult.Command == root)
                    failures.Add($"{Path.GetRelativePath(RepoPaths.Root(), file)}:{i + 1}: {line}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
            }
        }
        Assert.True(checkedLines >= 15, $"only {checkedLines} command lines found in the docs: is the pattern still right?");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
