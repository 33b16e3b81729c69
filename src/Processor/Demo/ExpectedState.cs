using ContactCenter.Topology.Processing;
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
            if (!SourceEventDecoder.TryDecode(bytes, source, spec.Aggregate.Limits, out var decoded, out var error))
                throw new InvalidOperationException($"generator produced an event the topology rejects: {error}");
            AggregateMerger.Apply(aggregate, source.Part, latest.Op, decoded);
        }
        var primary = spec.Aggregate.Sources.FirstOrDefault(s => s.Primary)?.Part ?? spec.Aggregate.Sources[0].Part;
        if (aggregate.Parts.Count == 0 || aggregate.IsDeleted(primary))
            return null;
        // Filters and maps are pure, so the chain gives the final hash; a dedup step depends on what other pods
        // claimed, which the demo cannot predict.
        var chain = new RecordProcessorChain(spec.State.Processors, new UnpredictableDedup());
        var task = StateStep.ToHashFieldsAsync(spec.State, chain, agent.Id, aggregate);
        var fields = task.IsCompletedSuccessfully ? task.Result : throw new InvalidOperationException("the demo cannot predict asynchronous processors");
        return fields?.ToDictionary(f => f.Key, f => f.Value);
    }
}

/// <summary>Refuses to guess: a demo topology with a dedup step has no single expected state.</summary>
internal sealed class UnpredictableDedup : IDedupStore
{
    public ValueTask<bool> TryClaimAsync(string id, string? record, TimeSpan ttl) =>
        throw new InvalidOperationException("the demo cannot predict a dedup step's outcome: run it on a topology without dedup");
}
