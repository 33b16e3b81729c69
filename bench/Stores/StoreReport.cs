using ContactCenter.Stores;

namespace ContactCenter.Bench.Stores;

/// <summary>Everything measured for one store kind.</summary>
internal sealed record StoreReport(StoreKind Kind, string Implementation, string Options, IReadOnlyList<PhaseResult> Phases, MemorySnapshot Growth, string? Failure = null, bool Hung = false)
{
    public const string Load = "load (put)";
    public const string Aggregate1 = "aggregate 1 thread";
    public const string Aggregate2 = "aggregate 2 threads";
    public const string Commit1 = "commit, 1 thread";
    public const string Commit2 = "commit, 2 threads";
    public const string Reopen = "reopen (recover)";
    public const string ReopenPreload = "reopen, preload all";
    public const string ColdGets = "point get after reopen";
    public const string Replay = "changelog replay";
    public const string BrokerReplay = "changelog replay from broker";

    public PhaseResult? Phase(string name) => Phases.FirstOrDefault(p => p.Phase == name);

    public string Label => Kind switch
    {
        StoreKind.Faster => "FASTER",
        StoreKind.RocksDb => "RocksDB",
        StoreKind.Memory => "in-memory",
        _ => Kind.ToString(),
    };
}
