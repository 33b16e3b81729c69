using ContactCenter.Tests.Support;
using Xunit;

namespace ContactCenter.Tests.Cli;

/// <summary>A mistyped command line is invalid input: exit 2 and one line per problem naming the verb, not the help page.</summary>
[Trait("Kind", "Integration")]
public class UsageErrorTests
{
    [Theory]
    [InlineData("replay", "--topology", "agent-state.yaml")]
    [InlineData("purge-keys")]
    [InlineData("reset", "x.yaml", "--stage", "agent-state", "--no-such-flag")]
    [InlineData("no-such-verb")]
    public async Task A_bad_command_line_exits_2_with_one_line_per_problem(params string[] args)
    {
        var outcome = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), null, args);
        Assert.Equal(2, outcome.Code);
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 2, 5);
        Assert.All(lines, line => Assert.StartsWith("contactcenter", line));
        Assert.EndsWith("--help'", lines[^1].TrimEnd());
        Assert.DoesNotContain("Usage:", outcome.Stdout + outcome.Stderr);
    }

    [Fact]
    public async Task Help_still_exits_0()
    {
        var outcome = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), null, "replay", "--help");
        Assert.Equal(0, outcome.Code);
        Assert.Contains("Usage:", outcome.Stdout);
    }
}
