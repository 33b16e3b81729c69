using System.CommandLine;
using Xunit;
using ContactCenter.Cli;

namespace ContactCenter.Tests.Cli;

/// <summary>The verbs as a user runs them: registered in the catalog, thin, with their documented exit codes.</summary>
[Trait("Kind", "Unit")]
public class TopologyCliTests
{
    private static (int Code, string Output) Run(params string[] args)
    {
        var root = new RootCommand("test");
        foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
        var output = new StringWriter();
        var code = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = output });
        return (code, output.ToString());
    }

    [Fact]
    public void VerbsAreRegisteredAndReturnTheirExitCodes()
    {
        Assert.Equal(0, Run("validate", Repo.AgentState).Code);
        var (describeCode, describe) = Run("describe", Repo.AgentState);
        Assert.Equal(0, describeCode);
        Assert.Contains("Sub-topology: 0", describe);
        Assert.Contains("flowchart LR", Run("diagram", Repo.AgentState).Output);
        Assert.Contains("\"$schema\"", Run("schema").Output);
        var (testCode, test) = Run("test", Repo.File("topologies/fixtures"));
        Assert.True(testCode == 0, test);

        var dir = Path.Combine(Path.GetTempPath(), $"cc-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var changed = Path.Combine(dir, "new.yaml");
            File.WriteAllText(changed, Repo.AgentStateWith("group: cc.agent-state", "group: cc.agent-state-2"));
            Assert.Equal(3, Run("plan", Repo.AgentState, changed).Code);
            File.WriteAllText(changed, Repo.AgentStateWith("      callState: call_state", "      callState: callState"));
            Assert.Equal(2, Run("plan", Repo.AgentState, changed).Code);
            Assert.Equal(0, Run("plan", Repo.AgentState, Repo.AgentState).Code);
            File.WriteAllText(changed, "version: 1\n");
            Assert.Equal(1, Run("plan", Repo.AgentState, changed).Code);
            Assert.Equal(1, Run("validate", changed).Code);
            Assert.Equal(1, Run("describe", changed).Code);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
