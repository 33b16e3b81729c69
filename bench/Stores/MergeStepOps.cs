using BenchmarkDotNet.Attributes;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using ContactCenter.Cli;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// The merge stage's own per-record work, without Streamiz, Kafka or a store: <see cref="MergeStep.TryAccept"/> (key,
/// op header, limits, event decode) and <see cref="MergeStep.Merge"/> (decode the stored aggregate, apply, encode),
/// over the demo's traffic with every agent's aggregate kept in a dictionary. The stage's CPU per record in
/// `bench pipeline` minus this is what Streamiz, the clients and the store cost (bench/RESULTS.md).
/// </summary>
[MemoryDiagnoser]
public class MergeStepOps
{
    private const int Events = 1000;
    private readonly List<(SourceSpec Source, byte[] Key, byte[] Value, byte[] Op)> _records = [];
    private readonly Dictionary<string, byte[]> _store = new(StringComparer.Ordinal);
    private AggregateStageSpec _stage = null!;
    private string _primary = null!;

    [GlobalSetup]
    public void Setup()
    {
        var spec = TopologyLoader.Load(TopologyFiles.Resolve("topologies/agent-state.yaml")).Spec
            ?? throw new InvalidOperationException("topologies/agent-state.yaml does not compile");
        _stage = spec.Aggregate;
        _primary = MergeStep.PrimaryPart(_stage);
        var sources = _stage.Sources.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var simulation = new AgentSimulation(200, seed: 42);
        // Warm the aggregates first so the measured records merge into existing state, as in steady traffic.
        for (var i = 0; i < 2 * Events; i++)
        {
            var ev = simulation.Next(1_700_000_000_000 + i);
            var message = ExpectedState.ToMessage(ev, sources[ev.Source].OpHeader);
            message.Headers.TryGetLastBytes(sources[ev.Source].OpHeader, out var op);
            var record = (sources[ev.Source], message.Key!, message.Value!, op);
            if (i < Events) Apply(record); else _records.Add(record);
        }
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public int AcceptAndMerge()
    {
        var applied = 0;
        foreach (var record in _records)
            if (Apply(record)) applied++;
        return applied;
    }

    private bool Apply((SourceSpec Source, byte[] Key, byte[] Value, byte[] Op) r)
    {
        if (!MergeStep.TryAccept(r.Source, _stage.Limits, r.Key, r.Value, r.Op, r.Op.Length + r.Source.OpHeader.Length, out var accepted, out _))
            return false;
        _store.TryGetValue(accepted.Key, out var current);
        var result = MergeStep.Merge(accepted, r.Source, _primary, _stage.Limits, current);
        if (result.State is null) return false;
        _store[accepted.Key] = result.State;
        return true;
    }
}
