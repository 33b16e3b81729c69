namespace ContactCenter.Bench.Pipeline;

/// <summary>Sizes of one <c>bench pipeline</c> run.</summary>
internal sealed record PipelineBenchSettings
{
    public bool Quick { get; init; }
    public int LiveAgents { get; init; } = 1000;

    /// <summary>Agents provisioned at once in the burst phase (three events each): 300,000 events, which takes the
    /// bare relay several seconds and every design at least ten.</summary>
    public int BulkAgents { get; init; } = 100_000;
    public int Seed { get; init; } = 42;
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events/s of the warm-up, which lets the tiered JIT reach its optimized code before anything is timed.</summary>
    public int WarmupRate { get; init; } = 2000;
    public int[] Rates { get; init; } = [1000, 2000, 5000, 10_000];
    public TimeSpan RateDuration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Events produced at once for the max-rate drain; null sizes it from each design's own untimed probe drain
    /// (<see cref="ProbeEvents"/>) so that every design drains for about <see cref="DrainSeconds"/>.</summary>
    public int? DrainEvents { get; init; }

    /// <summary>How long each design's max-rate drain should last when <see cref="DrainEvents"/> is not given.</summary>
    public TimeSpan DrainSeconds { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events of the untimed drain before the timed one (warms the drain path, sizes the timed drain).</summary>
    public int ProbeEvents { get; init; } = 20_000;

    /// <summary>Whole runs (<c>--runs N</c>): fresh broker, Garnet and workers each; figures reported as min / median / max.</summary>
    public int Runs { get; init; } = 1;
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Stream threads of the replaced design (the engine runs one stream thread and one state consumer).</summary>
    public int JoinChainThreads { get; init; } = 2;

    /// <summary>A drain is over when nothing was acknowledged for this long (when the writes never reach the event count).</summary>
    /// <remarks>5 s: on a loaded machine a design can pause for 2 s (a GC, a checkpoint, the scheduler) and a shorter
    /// quiet period ended drains early, charging their backlog to the next phase.</remarks>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The bare relay first: it calibrates the run (engineVsBare) and sizes the drain.</summary>
    public string[] Designs { get; init; } = ["bare", "engine", "join-chain"];

    /// <summary>Sample allocations by type in the workers (<see cref="AllocationSampler"/>; costs a little CPU).</summary>
    public bool AllocationProfile { get; init; }

    public static PipelineBenchSettings Parse(IReadOnlyList<string> args)
    {
        var quick = args.Contains("--quick");
        var profile = args.Contains("--alloc-profile");
        var settings = quick
            ? new PipelineBenchSettings
            {
                Quick = true,
                // Every timed phase lasts at least 10 s even in quick mode: shorter ones mostly timed the JIT and the first GCs.
                Rates = [1000, 2000, 5000, 10_000],
                RateDuration = TimeSpan.FromSeconds(10),
            }
            : new PipelineBenchSettings();
        settings = settings with { AllocationProfile = profile, Runs = Common.BenchRuns.Count(args) };
        for (var i = 0; i + 1 < args.Count; i++)
        {
            settings = args[i] switch
            {
                "--seconds" => settings with { RateDuration = TimeSpan.FromSeconds(double.Parse(args[i + 1])) },
                "--drain-events" => settings with { DrainEvents = int.Parse(args[i + 1]) },
                "--rates" => settings with { Rates = args[i + 1].Split(',').Select(int.Parse).ToArray() },
                "--join-threads" => settings with { JoinChainThreads = int.Parse(args[i + 1]) },
                "--designs" => settings with { Designs = args[i + 1].Split(',') },
                "--drain-seconds" => settings with { DrainSeconds = TimeSpan.FromSeconds(double.Parse(args[i + 1])) },
                "--bulk-agents" => settings with { BulkAgents = int.Parse(args[i + 1]) },
                "--warmup-seconds" => settings with { Warmup = TimeSpan.FromSeconds(double.Parse(args[i + 1])) },
                "--idle-seconds" => settings with { Idle = TimeSpan.FromSeconds(double.Parse(args[i + 1])) },
                _ => settings,
            };
        }
        return settings;
    }
}
