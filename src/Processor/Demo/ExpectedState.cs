using ContactCenter.Processor.Pipeline;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Processor.Demo;

/// <summary>
/// The Redis hash each simulated agent must end with: the newest event of each source, pushed through the
/// topology's field mappings. Null means the agent must be absent (deleted).
/// </summary>
internal static class ExpectedState
{
    public static Dictionary<string, string>? For(AgentModel agent, PipelineSpec spec)
    {
        var aggregate = new UserAggregate(agent.Id);
        foreach (var latest in agent.Latest())
        {
            var source = spec.Aggregate.Sources.First(s => s.Name == latest.Source);
            var bytes = EventSerde.Serialize(latest.Event);
            if (!SourceEventDecoder.TryDecode(bytes, source.Fields, out var decoded, out var error))
                throw new InvalidOperationException($"generator produced an event the topology rejects: {error}");
            AggregateMerger.Apply(aggregate, source.Part, latest.Op, decoded);
        }
        var primary = spec.Aggregate.Sources.FirstOrDefault(s => s.Primary)?.Part ?? spec.Aggregate.Sources[0].Part;
        if (aggregate.Parts.Count == 0 || aggregate.IsDeleted(primary))
            return null;
        return StateFieldMapper.Map(spec.State, aggregate).ToDictionary(f => f.Key, f => f.Value);
    }
}
