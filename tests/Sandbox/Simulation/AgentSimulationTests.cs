using ContactCenter.Topology.Events;
using Xunit;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Tests.Sandbox.Simulation;

/// <summary>The bulk provisioning and id ranges the pipeline benchmark's burst relies on.</summary>
[Trait("Kind", "Unit")]
public sealed class AgentSimulationTests
{
    [Fact]
    public void Provision_gives_every_new_agent_its_three_created_events_once()
    {
        var simulation = new AgentSimulation(agents: 4, seed: 1, firstId: 10);

        var events = simulation.Provision(nowMs: 1_000).ToList();

        Assert.Equal(12, events.Count);
        Assert.All(events, e => Assert.Equal(EventOp.Created, e.Op));
        Assert.Equal(["agent-000010", "agent-000011", "agent-000012", "agent-000013"], events.Select(e => e.Event.AgentId).Distinct());
        foreach (var perAgent in events.GroupBy(e => e.Event.AgentId))
            Assert.Equal([AgentSimulation.AgentSource, AgentSimulation.VoiceSource, AgentSimulation.FeatureSource], perAgent.Select(e => e.Source));
        Assert.Empty(simulation.Provision(nowMs: 2_000));
    }

    [Fact]
    public void Provision_skips_agents_the_traffic_already_created()
    {
        var simulation = new AgentSimulation(agents: 3, seed: 5);
        var first = simulation.Next(nowMs: 1_000); // an agent's first event is its CREATED identity

        var provisioned = simulation.Provision(nowMs: 2_000).Select(e => e.Event.AgentId).Distinct().ToList();

        Assert.Equal(EventOp.Created, first.Op);
        Assert.DoesNotContain(first.Event.AgentId, provisioned);
        Assert.Equal(2, provisioned.Count);
    }

    [Fact]
    public void Same_seed_gives_the_same_traffic_and_disjoint_first_ids_give_disjoint_agents()
    {
        var a = new AgentSimulation(agents: 50, seed: 42);
        var b = new AgentSimulation(agents: 50, seed: 42);
        var bulk = new AgentSimulation(agents: 50, seed: 43, firstId: 50);

        var fromA = Enumerable.Range(0, 500).Select(_ => a.Next(1_000)).Select(e => (e.Source, e.Op, e.Event.AgentId, e.Event.Version)).ToList();
        var fromB = Enumerable.Range(0, 500).Select(_ => b.Next(1_000)).Select(e => (e.Source, e.Op, e.Event.AgentId, e.Event.Version)).ToList();

        Assert.Equal(fromA, fromB);
        Assert.Empty(a.Agents.Select(x => x.Id).Intersect(bulk.Agents.Select(x => x.Id)));
    }
}
