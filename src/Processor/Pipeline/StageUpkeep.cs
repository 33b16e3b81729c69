using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Processor.Pipeline;

/// <summary>The counts and time in state a state stage's fenced writes keep, from its spec (every writer of the stage
/// must keep the same ones: the live stage, a rebuild, a replay).</summary>
public static class StageUpkeep
{
    public static AgentTableUpkeep? For(StateStageSpec spec) =>
        spec.Counts.Count == 0 && spec.TimeInStateField is null
            ? null
            : new AgentTableUpkeep(spec.Counts.Select(c => new GroupCount(c.Name, c.By, c.Key)).ToList(), spec.TimeInStateField);
}
