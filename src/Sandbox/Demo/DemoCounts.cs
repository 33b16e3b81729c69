using ContactCenter.Sandbox.Simulation;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Sandbox.Demo;

/// <summary>
/// The demo's grouped counts: the topology's own, or (a topology declaring none, like agent-state.yaml) agents per
/// tenant and status, added so that every demo run checks counting. At the end the counts Redis holds are compared
/// with counts made from the simulated truth: each simulated agent's expected hash, grouped here by plain string
/// joins (never through the fence script's counting).
/// </summary>
internal static class DemoCounts
{
    /// <summary>The count the demo adds to a topology that declares none.</summary>
    public static readonly CountSpec TenantStatus = new("demo-tenant-status", ["tenant", "status"], "cc:count:demo:tenant-status");

    /// <summary><paramref name="spec"/> with <see cref="TenantStatus"/> when it counts nothing and its hashes carry tenant and status.</summary>
    public static PipelineSpec WithCounts(PipelineSpec spec)
    {
        if (spec.State.Counts.Count > 0) return spec;
        var hashFields = spec.State.Fields.Select(f => f.To).ToHashSet(StringComparer.Ordinal);
        if (!TenantStatus.By.All(hashFields.Contains)) return spec;
        return spec with { State = spec.State with { Counts = [TenantStatus] } };
    }

    /// <summary>How many groups, over every count, hold another number in Redis than the simulated truth says; with up to
    /// five of them, and how many agents Redis counts in all.</summary>
    public static async Task<(int Mismatches, List<string> Samples, long Counted)> CompareAsync(PipelineSpec spec, AgentSimulation simulation, IConnectionMultiplexer redis)
    {
        var mismatches = 0;
        long counted = 0;
        var samples = new List<string>();
        var hashes = simulation.Agents.Select(a => ExpectedState.For(a, spec)).OfType<Dictionary<string, string>>().ToList();
        foreach (var count in spec.State.Counts)
        {
            var expected = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var hash in hashes)
            {
                var values = count.By.Select(f => hash.GetValueOrDefault(f)).ToList();
                if (values.Any(string.IsNullOrEmpty)) continue;
                var group = string.Join("|", values);
                expected[group] = expected.GetValueOrDefault(group) + 1;
            }
            var actual = await GroupCountReader.ReadAsync(redis, new GroupCount(count.Name, count.By, count.Key));
            counted += actual.Values.Sum();
            foreach (var group in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
            {
                var want = expected.GetValueOrDefault(group);
                var have = actual.GetValueOrDefault(group);
                if (want == have) continue;
                mismatches++;
                if (samples.Count < 5) samples.Add($"{count.Name} {group}: expected {want}, Redis holds {have}");
            }
        }
        return (mismatches, samples, counted);
    }
}
