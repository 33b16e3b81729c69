using ContactCenter.Stores.Faster;
using ContactCenter.Stores;

namespace ContactCenter.Bench.Stores;

/// <summary>Sizes and limits of one `stores` run. Every phase is bounded by an op count AND a wall-clock limit.</summary>
internal sealed record StoreBenchSettings
{
    public bool Quick { get; init; }

    /// <summary>Agent keys in the single-task store (the two-task run splits them between two stores).</summary>
    public int Keys { get; init; } = 1_000_000;

    public int ValueBytes { get; init; } = 300;

    /// <summary>
    /// Cap of get-then-put operations per aggregate phase. Set high on purpose: aggregate phases run for
    /// <see cref="PhaseLimit"/>, so every store is measured over the same time and the same number of commits.
    /// </summary>
    public int AggregateOps { get; init; } = 100_000_000;

    public int PointReads { get; init; } = 1_000_000;

    public int Ranges { get; init; } = 50;

    public int RangeLength { get; init; } = 1000;

    public int AllScans { get; init; } = 3;

    /// <summary>Commit interval of the aggregate phases (the pipeline's Streamiz CommitIntervalMs is 1000); zero = never commit.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Least time between FASTER checkpoints (<c>--checkpoint-ms</c>; default the pipeline's, 0 = at every commit).</summary>
    public TimeSpan FasterCheckpointInterval { get; init; } = ContactCenter.Processor.Pipeline.AggregateStoreOptions.CheckpointInterval;

    /// <summary>FASTER in-memory log as a multiple of the data size (see <see cref="FasterSizing.Headroom"/>).</summary>
    public double FasterHeadroom { get; init; } = 1.5;

    /// <summary>Wall-clock cap of a measured phase: on a shared 2-core box a slow store must not stall the run.</summary>
    public TimeSpan PhaseLimit { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Cap of the range and All phases: stores without order (hash index, dictionary) sort on every call, so those phases are slow by design.</summary>
    public TimeSpan ScanLimit => PhaseLimit / 3;

    /// <summary>How long one step (open, load, a phase, flush, close, replay) may take before the store is declared hung.</summary>
    public TimeSpan HangLimit => TimeSpan.FromSeconds(Math.Max(60, 3 * PhaseLimit.TotalSeconds));

    /// <summary>Baselines first: a candidate that misbehaves (hangs spinning a core) cannot skew the baselines measured before it.</summary>
    public IReadOnlyList<StoreKind> Kinds { get; init; } = [StoreKind.RocksDb, StoreKind.Memory, StoreKind.Faster];

    /// <summary>Root of every store directory of this run (deleted at the end).</summary>
    public string Root { get; init; } = Path.Combine(Path.GetTempPath(), $"cc-bench-stores-{Environment.ProcessId}");

    public static StoreBenchSettings Full => new();

    /// <summary>Small enough for ~90 s on 2 shared cores.</summary>
    public static StoreBenchSettings QuickRun => new()
    {
        Quick = true,
        Keys = 200_000,
        AggregateOps = 20_000_000,
        PointReads = 500_000,
        Ranges = 20,
        AllScans = 2,
        PhaseLimit = TimeSpan.FromSeconds(5),
    };

    /// <summary>Parses the verb's options; returns null and an error text when they are wrong.</summary>
    public static StoreBenchSettings? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var settings = args.Contains("--quick") ? QuickRun : Full;
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            try
            {
                settings = args[i] switch
                {
                    "--quick" => settings,
                    "--keys" => settings with { Keys = PositiveInt(Next()) },
                    "--ops" => WithOps(settings, PositiveInt(Next())),
                    "--commit-ms" => settings with { CommitInterval = TimeSpan.FromMilliseconds(NonNegativeInt(Next())) },
                    "--faster-headroom" => settings with { FasterHeadroom = PositiveDouble(Next()) },
                    "--checkpoint-ms" => settings with { FasterCheckpointInterval = TimeSpan.FromMilliseconds(NonNegativeInt(Next())) },
                    "--seconds" => settings with { PhaseLimit = TimeSpan.FromSeconds(PositiveInt(Next())) },
                    "--stores" => settings with { Kinds = ParseKinds(Next()) },
                    "--dir" => settings with { Root = Path.Combine(Next(), $"cc-bench-stores-{Environment.ProcessId}") },
                    _ => throw new FormatException($"unknown option {args[i]}"),
                };
            }
            catch (FormatException e)
            {
                error = e.Message;
                return null;
            }
        }
        return settings;
    }

    private static StoreBenchSettings WithOps(StoreBenchSettings s, int ops) => s with { AggregateOps = ops, PointReads = ops };

    private static double PositiveDouble(string text) =>
        double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 ? v : throw new FormatException($"'{text}' is not a positive number");

    private static int NonNegativeInt(string text) =>
        int.TryParse(text.Replace("_", ""), out var v) && v >= 0 ? v : throw new FormatException($"'{text}' is not a non-negative integer");

    private static int PositiveInt(string text) =>
        int.TryParse(text.Replace("_", ""), out var v) && v > 0 ? v : throw new FormatException($"'{text}' is not a positive integer");

    private static StoreKind[] ParseKinds(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(k => k.ToLowerInvariant() switch
            {
                "faster" => StoreKind.Faster,
                "rocksdb" or "rocks" => StoreKind.RocksDb,
                "memory" or "inmemory" => StoreKind.Memory,
                _ => throw new FormatException($"unknown store '{k}' (faster, rocksdb, memory)"),
            })
            .Distinct()
            .ToArray();
}
