using ContactCenter.Tests.Topology.Files;
using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;
using ContactCenter.Topology.Files;
using ContactCenter.Cli;

namespace ContactCenter.Tests.Cli;

/// <summary>
/// Every <c>plan</c> fix is a command that runs as printed or a documented procedure: for each shipped edit example (the
/// docs table's edits), each fix's command parses with the CLI's own parser, names a real verb, holds no placeholder,
/// advice to delete old keys never takes a key the new topology writes, a procedure names a real docs section, every
/// consequence that needs something names a fix, and every kind of fix occurs. PlanFixExecutionTests runs them.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class PlanFixCommandTests
{
    private static readonly Regex Command = new("`(?<command>[^`]*)`", RegexOptions.Compiled);

    /// <summary>Splits a command line as a POSIX shell does for bare and single-quoted words.</summary>
    internal static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                Assert.True(end > i, $"unclosed quote in {line}");
                word.Append(line, i + 1, end - i - 1);
                i = end;
                inWord = true;
            }
            else if (c == ' ')
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                Assert.True(c != '"' && c != '\\' && c != '$' && c != '<' && c != '>', $"'{c}' in {line}");
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    [Fact]
    public void Every_fix_command_of_every_shipped_edit_parses_and_never_deletes_the_new_keys()
    {
        var root = new RootCommand("test");
        foreach (var verb in CommandCatalog.All())
            root.Subcommands.Add(verb);
        var failures = new List<string>();
        var commands = 0;
        var kinds = new HashSet<PlanFixKind>();
        foreach (var (row, edits) in PlanDocsTableTests.Edits)
        {
            foreach (var edit in edits)
            {
                var before = edit.Base();
                var after = edit.After?.Invoke() ?? PlanDocsTableTests.Apply(before, edit.Replacements);
                var old = TopologyLoader.Parse(before, "old.yaml").Model!;
                var @new = TopologyLoader.Parse(after, "new.yaml").Model!;
                foreach (var item in DeploymentPlanner.Plan(old, @new))
                {
                    if (item.Impact != PlanImpact.KeepsState && item.Fixes.Count == 0 && !item.Reason.Contains("restored from its changelog", StringComparison.Ordinal))
                        failures.Add($"{edit.Label}: {item.Subject} needs something but names no fix");
                    foreach (var fix in item.Fixes)
                    {
                        kinds.Add(fix.Kind);
                        var text = PlanFixCommands.Text(fix, "topologies/new agent-state.yaml");
                        if (PlanFixCommands.Procedure(fix) is { } procedure && !DocsHaveSection(procedure))
                            failures.Add($"{edit.Label}: {procedure} does not exist");
                        if (PlanFixCommands.Command(fix, "topologies/new agent-state.yaml") is not { } line)
                        {
                            if (PlanFixCommands.Procedure(fix) is null)
                                failures.Add($"{edit.Label}: {fix.Kind} has neither a command nor a documented procedure");
                            continue;
                        }
                        Assert.Equal($"`{line}`", Command.Match(text).Value);
                        commands++;
                        var words = ShellWords(line);
                        if (words[0] != "contactcenter")
                        {
                            failures.Add($"{edit.Label}: not a contactcenter command: {line}");
                            continue;
                        }
                        var parsed = root.Parse(words.Skip(1).ToArray());
                        if (parsed.Errors.Count > 0 || parsed.CommandResult.Command == root)
                            failures.Add($"{edit.Label}: {line}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
                        if (words.IndexOf("--key-pattern") is var at and >= 0)
                        {
                            foreach (var sink in @new.Sinks.Where(s => s.KeyPattern is not null))
                            {
                                var newKey = sink.KeyPattern!.Value.Replace("{key}", "a-1", StringComparison.Ordinal);
                                if (PurgeKeysCommand.Matches(words[at + 1], newKey, 128))
                                    failures.Add($"{edit.Label}: {line} would delete the new key {newKey}");
                            }
                        }
                    }
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(commands >= 15, $"only {commands} commands checked");
        Assert.Equal(Enum.GetValues<PlanFixKind>().Order(), kinds.Order());
    }

    /// <summary>"docs/topologies.md, \"Title\"" names a heading of that file.</summary>
    private static bool DocsHaveSection(string reference)
    {
        var match = Regex.Match(reference, "^(?<file>[^,]+), \"(?<title>[^\"]+)\"$");
        return match.Success && File.ReadAllText(Repo.File(match.Groups["file"].Value)).Contains("## " + match.Groups["title"].Value + "\n", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cc:agent:{key}", "cc:agent:a-1", true)]
    [InlineData("cc:agent:{key}", "cc:agent:v2:a-1", false)]
    [InlineData("cc:agent:{key}", "cc:agent:", false)]
    [InlineData("cc:agent:v2:{key}", "cc:agent:a-1", false)]
    [InlineData("{key}:state", "a-1:state", true)]
    public void Purge_keys_takes_exactly_the_old_patterns_keys(string pattern, string key, bool expected) =>
        Assert.Equal(expected, PurgeKeysCommand.Matches(pattern, key, 128));
}
