using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Sandbox.Simulation;

/// <summary>
/// Every event the simulation produced, per agent and part, with the hash fields that part contributes: what a reader
/// needs to tell which versions of each part a hash it read can be. Events are recorded before they are produced, so
/// any state Redis can show is explained here.
/// </summary>
internal sealed class StateHistory(PipelineSpec spec)
{
    private readonly Dictionary<string, Dictionary<string, List<PartVersion>>> _agents = new(StringComparer.Ordinal);
    private readonly string _primary = spec.Aggregate.Sources.FirstOrDefault(s => s.Primary)?.Part ?? spec.Aggregate.Sources[0].Part;

    /// <summary>One version of one part: the hash fields it contributes (empty when deleted).</summary>
    internal sealed record PartVersion(long Version, bool Deleted, IReadOnlyDictionary<string, string> Fields);

    public string PrimaryPart => _primary;

    public void Record(GeneratedEvent ev)
    {
        var source = spec.Aggregate.Sources.First(s => s.Name == ev.Source);
        var aggregate = new UserAggregate(ev.Event.AgentId);
        if (!SourceEventDecoder.TryDecode(EventSerde.Serialize(ev.Event), source, spec.Aggregate.Limits, out var decoded, out var error))
            throw new InvalidOperationException("the simulation produced an event the topology rejects: " + error);
        AggregateMerger.Apply(aggregate, source.Part, ev.Op, decoded);
        var chain = new RecordProcessorChain(spec.State.Processors, new UnpredictableDedup());
        var task = StateStep.ToHashFieldsAsync(spec.State, chain, ev.Event.AgentId, aggregate);
        var fields = task.IsCompletedSuccessfully ? task.Result : null;
        var version = new PartVersion(ev.Event.Version, ev.Op == EventOp.Deleted, ev.Op == EventOp.Deleted || fields is null
            ? new Dictionary<string, string>() : fields.ToDictionary(f => f.Key, f => f.Value));
        lock (_agents)
        {
            if (!_agents.TryGetValue(ev.Event.AgentId, out var parts))
                _agents[ev.Event.AgentId] = parts = new(StringComparer.Ordinal);
            if (!parts.TryGetValue(source.Part, out var versions))
                parts[source.Part] = versions = [new PartVersion(0, false, new Dictionary<string, string>())];
            versions.Add(version);
        }
    }

    /// <summary>
    /// Per part, the lowest and highest version consistent with <paramref name="hash"/> (null: deleted, the tombstone's
    /// state); a part with no consistent version is reported with (-1, -1).
    /// </summary>
    public Dictionary<string, (long Low, long High)> Explain(string agent, IReadOnlyDictionary<string, string>? hash)
    {
        var result = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        lock (_agents)
        {
            if (!_agents.TryGetValue(agent, out var parts))
                return result;
            foreach (var (part, versions) in parts)
            {
                if (hash is null && part != _primary) continue;
                var names = versions.SelectMany(v => v.Fields.Keys).ToHashSet(StringComparer.Ordinal);
                long low = long.MaxValue, high = -1;
                foreach (var v in versions)
                {
                    var fits = hash is null
                        ? v.Deleted
                        : names.All(n => v.Fields.TryGetValue(n, out var want) ? hash.TryGetValue(n, out var have) && have == want : !hash.ContainsKey(n));
                    if (!fits) continue;
                    low = Math.Min(low, v.Version);
                    high = Math.Max(high, v.Version);
                }
                result[part] = high < 0 ? (-1, -1) : (low, high);
            }
        }
        return result;
    }
}
