namespace ContactCenter.Bench.Pipeline;

/// <summary>Sizes of one <c>bench pipeline</c> run.</summary>
internal sealed record PipelineBenchSettings
{
    public bool Quick { get; init; }
    public int LiveAgents { get; init; } = 1000;

    /// <summary>Agents provisioned at once in the burst phase (three events each).</summary>
    public int BulkAgents { get; init; } = 10_000;
    public int Seed { get; init; } = 42;
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Events/s of the warm-up, which lets the tiered JIT reach its optimized code before anything is timed.</summary>
    public int WarmupRate { get; init; } = 2000;
    public int[] Rates { get; init; } = [1000, 2000, 5000, 10_000];
    public TimeSpan RateDuration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Events produced at once for the max-rate drain.</summary>
    public int DrainEvents { get; init; } = 200_000;
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Stream threads of the replaced design (the engine runs one stream thread and one state consumer).</summary>
    public int JoinChainThreads { get; init; } = 2;

    /// <summary>A drain is over when nothing was acknowledged for this long (when the writes never reach the event count).</summary>
    public TimeSpan Quiet { get; init; } = TimeSpan.FromSeconds(2);

    public string[] Designs { get; init; } = ["engine", "join-chain"];

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
                Warmup = TimeSpan.FromSeconds(4),
                Rates = [1000, 5000, 10_000],
                RateDuration = TimeSpan.FromSeconds(3),
                DrainEvents = 30_000,
                Idle = TimeSpan.FromSeconds(3),
            }
            : new PipelineBenchSettings();
        settings = settings with { AllocationProfile = profile };
        for (var i = 0; i + 1 < args.Count; i++)
        {
            settings = args[i] switch
            {
                "--seconds" => settings with { RateDuration = TimeSpan.FromSeconds(double.Parse(args[i + 1])) },
                "--drain-events" => settings with { DrainEvents = int.Parse(args[i + 1]) },
                "--rates" => settings with { Rates = args[i + 1].Split(',').Select(int.Parse).ToArray() },
                "--join-threads" => settings with { JoinChainThreads = int.Parse(args[i + 1]) },
                "--designs" => settings with { Designs = args[i + 1].Split(',') },
                "--idle-seconds" => settings with { Idle = TimeSpan.FromSeconds(double.Parse(args[i + 1])) },
                _ => settings,
            };
        }
        return settings;
    }
}
