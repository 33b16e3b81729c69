using System.Text.Json;
using System.Text.RegularExpressions;
using ContactCenter.Tests.Support;

namespace ContactCenter.Tests.Cli;

/// <summary><c>plan</c> on a partition edit names the <c>migrate</c> command as its fix, and that command runs as printed:
/// a dry run of the plan (no cluster given), in text and JSON.</summary>
[Trait("Kind", "Unit")]
public sealed class MigrateCommandTests
{
    [Fact]
    public void Plans_fix_for_a_partition_change_is_a_migrate_command_that_runs()
    {
        var (planCode, plan) = CliRunner.Run("plan", Repo.AgentState, Repo.File("topologies/agent-state-p12.yaml"));
        Assert.Equal(3, planCode);
        var fix = Regex.Match(plan, "`contactcenter (?<args>migrate [^`]*)`");
        Assert.True(fix.Success, plan);
        var args = PlanFixCommandTests.ShellWords(fix.Groups["args"].Value).ToArray();

        var (code, output) = CliRunner.Run(args);
        Assert.True(code == 0, output);
        Assert.Contains("agent (6) -> agent.p12 (12)", output);
        Assert.Contains("agent-state-p12: group cc.agent-state-p12", output);
        Assert.Contains("cut-over: when", output);
        Assert.Contains("the cluster was not checked", output);

        var (jsonCode, json) = CliRunner.Run([.. args, "--format", "json"]);
        Assert.Equal(0, jsonCode);
        var document = JsonDocument.Parse(json).RootElement;
        Assert.Equal(12, document.GetProperty("partitionsAfter").GetInt32());
        Assert.Equal(3, document.GetProperty("bridge").GetArrayLength());
        Assert.Equal(0, document.GetProperty("refusals").GetArrayLength());
    }

    [Fact]
    public void A_migration_that_cannot_run_is_refused_with_one_line_and_exit_2()
    {
        var (code, output) = CliRunner.Run("migrate", Repo.AgentState, Repo.AgentState);
        Assert.Equal(2, code);
        Assert.Contains("cannot start: the new state stage needs a name of its own", output);
    }
}
