using ContactCenter.Sandbox.Simulation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Tests.Support;

/// <summary>
/// The hash an agent must end with, written from the rule and not with the engine's decoder, merge or projection
/// (the demo's <c>ExpectedState</c> uses those): the newest event of each source, its fields under the file's names,
/// null fields absent; none when the agent's newest agent event is a DELETED. Only for topologies without state-stage
/// processors (<see cref="For"/> refuses others).
/// </summary>
internal static class IndependentAgentState
{
    public static Dictionary<string, string>? For(AgentModel agent, PipelineSpec spec)
    {
        if (spec.State.Processors.Count > 0)
            throw new ArgumentException("the independent model knows no state-stage processors", nameof(spec));
        if (agent.Agent is null || agent.Deleted) return null;
        var aggregate = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var latest in agent.Latest())
        {
            var mapping = spec.Aggregate.Sources.Single(s => s.Name == latest.Source).Fields;
            foreach (var (name, value) in EventFields(latest.Event))
            {
                if (value is not null && mapping.SingleOrDefault(m => m.From == name) is { } field)
                    aggregate[field.To] = value;
            }
        }
        if (spec.State.Fields.Count == 0) return aggregate;
        return spec.State.Fields.Where(f => aggregate.ContainsKey(f.From)).ToDictionary(f => f.To, f => aggregate[f.From]);
    }

    /// <summary>An event's fields as text: booleans as true/false, lists as compact JSON arrays, null when absent.</summary>
    private static IEnumerable<(string Name, string? Value)> EventFields(ISourceEvent ev)
    {
        static string Json(IEnumerable<string> items) => "[" + string.Join(",", items.Select(i => $"\"{i}\"")) + "]";
        return ev switch
        {
            AgentEvent a => [("name", a.Name), ("tenantId", a.TenantId), ("status", a.Status), ("presence", a.Presence)],
            UserFeatureEvent f => [("recording", f.Recording ? "true" : "false"), ("skills", Json(f.Skills)), ("channels", Json(f.Channels))],
            VoiceAgentEvent v => [("extension", v.Extension), ("callState", v.CallState), ("currentCallId", v.CurrentCallId)],
            _ => throw new InvalidOperationException($"unknown event {ev.GetType().Name}"),
        };
    }
}
