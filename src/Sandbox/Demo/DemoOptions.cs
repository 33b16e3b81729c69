using ContactCenter.Stores;
using ContactCenter.Sandbox.Kafka;

namespace ContactCenter.Sandbox.Demo;

/// <summary>Settings of one demo run.</summary>
internal sealed record DemoOptions
{
    public int Agents { get; init; } = 1000;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Leading part of the run whose events are verified but not timed (JIT, connections, first fetches).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);
    public int Rate { get; init; } = 2000;
    public string? Redis { get; init; }
    public string TopologyFile { get; init; } = "topologies/agent-state.yaml";
    public StoreKind Store { get; init; } = StoreKind.Faster;
    public bool Json { get; init; }
    public int Seed { get; init; } = 42;

    /// <summary>Port of the demo's /healthz, /readyz and /metrics (any free port when taken; 0: any free port).</summary>
    public int HttpPort { get; init; } = 8080;

    /// <summary>Which embedded broker the demo runs on.</summary>
    public BrokerKind Broker { get; init; } = LocalKafka.DefaultKind;

    /// <summary>One record in this many is deliberately malformed, to show the dead-letter path (0 = none).</summary>
    public int MalformedEvery { get; init; } = 1000;

    /// <summary>One record in this many re-sends an agent's previous event (a duplicate), which must change nothing.</summary>
    public int DuplicateEvery { get; init; } = 200;

    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A fault injected halfway through the traffic.</summary>
    public DemoChaos Chaos { get; init; } = DemoChaos.None;
}

/// <summary>Faults the demo can inject while traffic runs; it must still end with 0 mismatches.</summary>
internal enum DemoChaos
{
    None,

    /// <summary>Redis loses everything (FLUSHALL), as after a restart without persistence.</summary>
    RedisLoss,
}
