using ContactCenter.Sandbox.Simulation;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Sandbox.Scale;

/// <summary>What a scaling run does: how many pods at each step, what traffic flows meanwhile, what Redis must end with.</summary>
internal sealed record PodScaleOptions
{
    /// <summary>The topology file every pod runs.</summary>
    public required string TopologyFile { get; init; }

    /// <summary>Scratch directory for the pods' working and state directories.</summary>
    public required string WorkDir { get; init; }

    /// <summary>The hash an agent must end with (null: none), from a model independent of the engine where it matters.</summary>
    public required Func<AgentModel, PipelineSpec, Dictionary<string, string>?> Expected { get; init; }

    /// <summary>The built <c>contactcenter.dll</c> the pods run.</summary>
    public string PodDll { get; init; } = Path.Combine(AppContext.BaseDirectory, "contactcenter.dll");

    /// <summary>Pod counts in order, the first being the start (the 1 -> 3 -> 6 -> 2).</summary>
    public IReadOnlyList<int> Steps { get; init; } = [1, 3, 6, 2];

    /// <summary>After the last step, kill one pod with SIGKILL and start a replacement, as a lost node would.</summary>
    public bool KillOne { get; init; } = true;

    /// <summary>Stages of each pod (<c>--stages</c>): All runs both the aggregate and the state stage in every pod.</summary>
    public string Stages { get; init; } = "All";

    /// <summary>
    /// True: every pod's <c>--state-dir</c> is one shared directory (a ReadWriteMany volume in Kubernetes), so the new
    /// owner of a partition recovers the previous owner's FASTER checkpoint and restores only the changelog's tail.
    /// False: each pod has its own empty directory (an emptyDir), so a moved partition is restored from the changelog.
    /// </summary>
    public bool SharedStateDir { get; init; }

    /// <summary>Agents the traffic touches.</summary>
    public int Agents { get; init; } = 2000;

    /// <summary>Source events per second while the pods scale.</summary>
    public int EventsPerSecond { get; init; } = 300;

    /// <summary>Traffic kept flowing after every partition moved again following a change, before the next change.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Seed of the traffic.</summary>
    public int Seed { get; init; } = 21;

    /// <summary>Events produced before the first pod starts: state that the first restore of each partition must rebuild.</summary>
    public int Preload { get; init; }
}
