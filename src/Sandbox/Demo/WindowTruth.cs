using ContactCenter.Sandbox.Simulation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Sandbox.Demo;

/// <summary>
/// What the demo's windows must hold, counted from the simulated truth rather than from anything the pipeline produced:
/// every telephony event the simulation generated whose call state is one a window selects counts once, for its agent's
/// tenant, in each window containing its time. The simulation gives every call that starts ringing a new call id and
/// never re-sends a state, so each such event is one call start. Windows of another shape than
/// "call state per tenant" cannot be computed from the simulation and are reported as unchecked.
/// </summary>
internal sealed class WindowTruth
{
    private readonly IReadOnlyList<WindowStageSpec> _windows;
    private readonly Dictionary<string, string> _tenants;
    private readonly Dictionary<(string Window, string Tenant, long Start), long> _counts = new();

    public WindowTruth(IReadOnlyList<WindowStageSpec> windows, AgentSimulation simulation)
    {
        _windows = windows.Where(Checkable).ToList();
        _tenants = simulation.Agents.ToDictionary(a => a.Id, a => a.Tenant, StringComparer.Ordinal);
        Unchecked = windows.Where(w => !Checkable(w)).Select(w => w.Name).ToList();
    }

    /// <summary>Windows (group and start) the truth holds a count for.</summary>
    public int Windows => _counts.Count;

    /// <summary>Calls started in all of them.</summary>
    public long Calls => _counts.Values.Sum();

    /// <summary>Windows the simulation cannot count (not "call state per tenant").</summary>
    public IReadOnlyList<string> Unchecked { get; }

    private static bool Checkable(WindowStageSpec w) =>
        w.WhereField == "callState" && w.GroupBy.SequenceEqual(["tenantId"]) && w.InputFormat == WindowInputFormat.Aggregate;

    /// <summary>Counts one generated event (call it for every event produced, in order).</summary>
    public void Observe(GeneratedEvent generated)
    {
        if (generated.Event is not VoiceAgentEvent voice || generated.Op == EventOp.Deleted) return;
        foreach (var window in _windows)
        {
            if (!window.WhereValues.Contains(voice.CallState)) continue;
            var size = (long)window.Size.TotalMilliseconds;
            var advance = (long)window.Advance.TotalMilliseconds;
            for (var start = voice.Timestamp - voice.Timestamp % advance; start > voice.Timestamp - size; start -= advance)
            {
                var key = (window.Name, _tenants[voice.AgentId], start);
                _counts[key] = _counts.GetValueOrDefault(key) + 1;
            }
        }
    }

    /// <summary>Windows whose Redis count differs from the truth, including windows Redis holds that the truth has not.</summary>
    public async Task<(int Mismatches, List<string> Samples)> CompareAsync(IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        var samples = new List<string>();
        var mismatches = 0;
        var expectedKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var ((name, tenant, start), expected) in _counts)
        {
            var window = _windows.First(w => w.Name == name);
            var key = window.KeyPattern.Replace("{tenantId}", tenant, StringComparison.Ordinal) + ":" + start;
            expectedKeys.Add(key);
            var actual = await db.HashGetAsync(key, "count");
            if (actual.IsNull || (long)actual != expected)
            {
                mismatches++;
                if (samples.Count < 5)
                {
                    var shares = string.Join(" ", (await db.HashGetAllAsync(key)).Where(f => f.Name.StartsWith("p:")).OrderBy(f => (string)f.Name!).Select(f => $"{f.Name}={f.Value}"));
                    samples.Add($"{key}: expected {expected}, Redis {(actual.IsNull ? "none" : actual.ToString())} ({shares})");
                }
            }
        }
        foreach (var window in _windows)
        {
            var pattern = window.KeyPattern.Replace("{tenantId}", "*", StringComparison.Ordinal) + ":*";
            foreach (var endpoint in redis.GetEndPoints())
            {
                await foreach (var key in redis.GetServer(endpoint).KeysAsync(pattern: pattern))
                {
                    if (expectedKeys.Contains(key.ToString())) continue;
                    mismatches++;
                    if (samples.Count < 5) samples.Add($"{key}: not expected, Redis {await db.HashGetAsync(key, "count")}");
                }
            }
        }
        return (mismatches, samples);
    }
}
