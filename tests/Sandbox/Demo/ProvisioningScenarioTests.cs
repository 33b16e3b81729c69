using System.Text.Json;
using ContactCenter.Tests.Support;
using Xunit;

namespace ContactCenter.Tests.Sandbox.Demo;

/// <summary><c>contactcenter demo --scenario provisioning</c> as a user runs it: a small bulk on-boarding against the
/// simulated service ends exact, and its JSON summary says so.</summary>
[Trait("Kind", "Integration")]
public sealed class ProvisioningScenarioTests
{
    [Fact]
    public void A_small_bulk_provisioning_ends_with_every_agent_provisioned_exactly_once()
    {
        var (code, output) = CliRunner.Run("demo", "--scenario", "provisioning", "--agents", "150", "--latency", "20ms", "--failure-rate", "0.2",
            "--workers", "8", "--json");
        Assert.True(code == 0, output);
        var summary = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal(150, summary.GetProperty("Provisioned").GetInt32());
        Assert.Equal(150, summary.GetProperty("Jobs").GetInt64());
        Assert.Equal(0, summary.GetProperty("Duplicates").GetInt64());
        Assert.True(summary.GetProperty("Calls").GetInt64() > 150, "a 20 % failure rate must cause retried calls");
    }

    [Fact]
    public void A_topology_without_a_queue_stage_is_refused_with_a_reason()
    {
        var (code, output) = CliRunner.Run("demo", "--scenario", "provisioning", "--agents", "10", "--topology", "topologies/agent-state.yaml");
        Assert.NotEqual(0, code);
        Assert.Contains("no queue stage", output);
    }
}
