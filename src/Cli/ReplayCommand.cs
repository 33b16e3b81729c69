using System.CommandLine;
using System.Text.Json;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Spectre.Console;
using Spectre.Console.Rendering;
using ContactCenter.Processor.Operations;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter replay TOPOLOGY --stage S</c>: re-runs a range of the state stage's input through the pods' own
/// per-record path, as a dry run (default: a diff against live Redis) or for real (<c>--execute</c>, fenced writes).
/// Exit 0 done, 1 failed on the way, 2 invalid input or a range outside the log.
/// </summary>
internal static class ReplayCommand
{
    /// <summary>One JSON object per line.</summary>
    internal static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Create()
    {
        var topology = new Argument<string>("topology") { Description = "Topology file (the corrected one, after a bad deploy)." };
        var stage = new Option<string>("--stage") { Description = "Stage to replay (the state stage).", Required = true };
        var from = new Option<string>("--from") { Description = "earliest | OFFSET | P:OFFSET,... | DATETIME | redis (the stage's progress in Redis).", DefaultValueFactory = _ => "earliest" };
        var to = new Option<string>("--to") { Description = "Exclusive end: now | latest-at-start | OFFSET | DATETIME.", DefaultValueFactory = _ => "now" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Apply to an in-memory shadow and print the diff against live Redis (default)." };
        var execute = new Option<bool>("--execute") { Description = "Write through the fenced writer (safe while pods run; a second run changes nothing)." };
        var diffOut = new Option<string?>("--diff-out") { Description = "Dry run: write one JSON line per added, changed or removed agent, with its field changes." };
        var keys = new Option<string?>("--keys") { Description = "Only these agents (record keys), e.g. a-1,a-2 (default: all)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON summary object on stdout (ranges and progress go to stderr)." };
        var progressEvery = new Option<TimeSpan>("--progress-every")
        {
            Description = "Without a terminal (logs, pipes): print progress lines this often, e.g. 5s (default).",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(5),
            CustomParser = r => DurationParser.Parse(r),
        };
        var command = new Command("replay", "Replay a range of a stage's input into Redis: dry run with a diff, or --execute.")
        {
            stage, from, to, keys, dryRun, execute, diffOut, json, progressEvery,
        };
        var cluster = ClusterOptions.AddTo(command, kafka: true, redis: true);
        command.Arguments.Add(topology);
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(dryRun) && parse.GetValue(execute))
            {
                error.WriteLine("replay: --dry-run and --execute exclude each other");
                return 2;
            }
            if (cluster.Bind(parse, error) is not { } settings)
                return ExitCodes.InvalidInput;
            var kafka = cluster.Kafka(settings);
            var topologyPath = TopologyFiles.Resolve(parse.GetValue(topology)!, parse.InvocationConfiguration.Error);
            var spec = LoadStage(topologyPath, parse.GetValue(stage)!, error, "replay");
            if (spec is null)
                return 2;
            if (!ReplayRange.TryParseStart(parse.GetValue(from)!, out var start, out var fromError)
                | !ReplayRange.TryParseEnd(parse.GetValue(to)!, out var end, out var toError))
            {
                foreach (var message in new[] { fromError, toError }.OfType<string>())
                    error.WriteLine("replay: " + message);
                return 2;
            }
            if (ReplayRange.CheckOrder(start, end) is { } order)
            {
                error.WriteLine("replay: " + order);
                return ExitCodes.InvalidInput;
            }
            var keyList = parse.GetValue(keys)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (keyList is { Length: 0 })
            {
                error.WriteLine("replay: --keys names no agent");
                return ExitCodes.InvalidInput;
            }
            if (keyList?.Where(k => !RecordKeyRule.IsValid(k, spec.Limits.MaxKeyBytes)).ToList() is { Count: > 0 } badKeys)
            {
                error.WriteLine($"replay: --keys {string.Join(", ", badKeys.Select(k => $"'{k}'"))} {(badKeys.Count == 1 ? "is not a valid record key" : "are not valid record keys")} ({RecordKeyRule.Description}); no such agent can exist");
                return ExitCodes.InvalidInput;
            }
            var diffPath = parse.GetValue(diffOut);
            if (diffPath is not null && parse.GetValue(execute))
            {
                error.WriteLine("replay: --diff-out belongs to the dry run (run it without --execute first)");
                return 2;
            }
            if (diffPath is not null && OutputGuard.CheckWritable("--diff-out", diffPath, [topologyPath]) is { } refused)
            {
                error.WriteLine(refused);
                return 2;
            }
            var asJson = parse.GetValue(json);
            var info = asJson ? error : output;

            var startedAt = DateTimeOffset.UtcNow;
            
            await ClusterOptions.EnsureKafkaAsync(kafka, ct);
            using var connection = await ClusterOptions.ConnectRedisAsync(settings, ct);
            var redisOffsets = await RedisStateReader.ReadOffsetsAsync(connection.GetDatabase(), spec.Name);
            IReadOnlyList<PartitionRange> ranges;
            var errors = new List<string>();
            using (var log = new KafkaPartitionLog(kafka, spec.InputTopic, spec.GroupId + ".replay"))
            {
                var times = new OffsetForTime(log, new BrokerTimeIndex(log.Consumer, spec.InputTopic));
                ranges = ReplayRange.Resolve(start, end, spec.InputPartitions, log, times, redisOffsets, startedAt, errors);
            }
            if (errors.Count > 0)
            {
                foreach (var message in errors)
                    error.WriteLine("replay: " + message);
                error.WriteLine("replay: refused; nothing was read or written (a range is never clamped to the log)");
                return 2;
            }
            var executing = parse.GetValue(execute);
            info.WriteLine($"replay {spec.Name} from {spec.InputTopic} ({(executing ? "execute: fenced writes to Redis" : "dry run: Redis is only read")})");
            WriteRanges(info, ranges);

            var replay = new StateReplay(spec, kafka, connection)
            {
                Keys = keyList?.ToHashSet(StringComparer.Ordinal),
            };
            ReplayResult result;
            try
            {
                result = await WithProgressAsync(error, parse.GetValue(progressEvery), ranges, progress => replay.RunAsync(ranges, executing, progress, ct));
            }
            catch (Exception failure) when (failure is not OperationCanceledException)
            {
                error.WriteLine($"replay: failed: {failure.Message}");
                return 1;
            }
            if (diffPath is not null)
                WriteDiff(diffPath, result.Diff);
            if (asJson)
                output.WriteLine(JsonSerializer.Serialize(Summary(spec, result), Compact));
            else
                WriteSummary(output, result, diffPath);
            return 0;
        });
        return command;
    }

    /// <summary>The state stage named <paramref name="stage"/> in the topology file, or null after saying why not.</summary>
    internal static StateStageSpec? LoadStage(string topologyPath, string stage, TextWriter error, string verb)
    {
        var loaded = TopologyLoader.Load(topologyPath);
        if (loaded.Spec is not { } pipeline)
        {
            foreach (var diagnostic in loaded.Diagnostics)
                error.WriteLine(diagnostic);
            error.WriteLine($"{verb}: {topologyPath} has errors");
            return null;
        }
        if (pipeline.State.Name == stage)
            return pipeline.State;
        error.WriteLine(pipeline.Aggregate.Name == stage
            ? $"{verb}: stage '{stage}' is the aggregate stage; only the state stage ('{pipeline.State.Name}') is supported yet"
            : $"{verb}: {topologyPath} has no stage '{stage}' (stages: {pipeline.Aggregate.Name}, {pipeline.State.Name})");
        return null;
    }

    private static void WriteRanges(TextWriter output, IReadOnlyList<PartitionRange> ranges)
    {
        output.WriteLine($"{"PARTITION",9}  {"FROM",12}  {"TO",12}  {"RECORDS",10}  {"LOG [EARLIEST, END)",-20}  HOW");
        foreach (var r in ranges)
            output.WriteLine($"{r.Partition,9}  {r.From,12}  {r.To,12}  {r.Records,10}  {$"[{r.Earliest}, {r.End})",-20}  from {r.FromHow}, to {r.ToHow}");
        output.WriteLine($"{"total",9}  {"",12}  {"",12}  {ranges.Sum(r => r.Records),10}");
    }

    /// <param name="plainInterval">without a terminal (logs, pipes): how often progress lines are printed.</param>
    internal static async Task<ReplayResult> WithProgressAsync(TextWriter error, TimeSpan plainInterval, IReadOnlyList<PartitionRange> ranges,
        Func<IProgress<ReplayProgress>, Task<ReplayResult>> run)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        if (!console.Profile.Capabilities.Interactive)
            return await WithPlainProgressAsync(error, plainInterval, ranges, run);
        var bar = new Progress(console)
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(), new RemainingTimeColumn());
        return await bar.StartAsync(async context =>
        {
            var tasks = ranges.ToDictionary(r => r.Partition, r => context.AddTask($"partition {r.Partition}", maxValue: Math.Max(1, r.Records)));
            var result = await run(new Reporter(p =>
            {
                if (tasks.TryGetValue(p.Partition, out var task))
                    task.Value = p.Total == 0 ? 1 : p.Done;
            }));
            foreach (var task in tasks.Values)
                task.Value = task.MaxValue;
            return result;
        });
    }

    /// <summary>Without a terminal: one line per unfinished partition every <paramref name="interval"/>, and the totals at the end.</summary>
    private static async Task<ReplayResult> WithPlainProgressAsync(TextWriter error, TimeSpan interval, IReadOnlyList<PartitionRange> ranges,
        Func<IProgress<ReplayProgress>, Task<ReplayResult>> run)
    {
        var done = ranges.ToDictionary(r => r.Partition, _ => 0L);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Print(bool final)
        {
            var seconds = Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            foreach (var range in ranges)
            {
                long count;
                lock (done) count = done[range.Partition];
                if (!final && count >= range.Records)
                    continue;
                var rate = count / seconds;
                var eta = rate > 0 ? $"{(range.Records - count) / rate:0} s" : "?";
                var percent = range.Records == 0 ? 100 : 100.0 * count / range.Records;
                error.WriteLine($"partition {range.Partition}: {count}/{range.Records} ({percent:0}%), {rate:0} records/s, ETA {eta}");
            }
        }
        using var stop = new CancellationTokenSource();
        var ticker = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(interval, stop.Token);
                    Print(final: false);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        try
        {
            return await run(new Reporter(p =>
            {
                lock (done) done[p.Partition] = p.Done;
            }));
        }
        finally
        {
            await stop.CancelAsync();
            await ticker;
            Print(final: true);
        }
    }

    private static void WriteSummary(TextWriter output, ReplayResult result, string? diffPath)
    {
        var rate = result.Elapsed.TotalSeconds > 0 ? result.Consumed / result.Elapsed.TotalSeconds : 0;
        output.WriteLine($"replayed {result.Consumed} records in {result.Elapsed.TotalSeconds:0.0} s ({rate:0} records/s); dropped by processors {result.Dropped}; rejected {result.Rejected.Count}");
        foreach (var rejected in result.Rejected.Take(20))
            output.WriteLine($"  rejected {rejected.Partition}/{rejected.Offset}: {rejected.Reason}");
        if (result.Executed)
        {
            output.WriteLine($"executed: {result.Applied} fenced writes applied, {result.Unchanged} changed nothing or were fenced out by newer state");
            return;
        }
        output.WriteLine($"dry run against live Redis: {result.Count(AgentChange.Added)} added, {result.Count(AgentChange.Changed)} changed, " +
            $"{result.Count(AgentChange.Removed)} removed, {result.Count(AgentChange.Unchanged)} unchanged");
        const int Shown = 50;
        var changed = result.Diff.Where(d => d.Change != AgentChange.Unchanged).ToList();
        foreach (var diff in changed.Take(Shown))
        {
            output.WriteLine($"  {diff.Change.ToString().ToLowerInvariant(),-8} {diff.Key}");
            foreach (var field in diff.Fields)
                output.WriteLine($"           {field.Field}: {Show(field.Before)} -> {Show(field.After)}");
        }
        if (changed.Count > Shown)
            output.WriteLine($"  ... and {changed.Count - Shown} more agents ({(diffPath is null ? "--diff-out FILE writes every one" : "all of them are in " + diffPath)})");
        if (diffPath is not null)
            output.WriteLine($"diff: {diffPath}");
        output.WriteLine("nothing was written; run again with --execute to apply");
    }

    private static string Show(string? value) => value is null ? "(none)" : JsonSerializer.Serialize(value);

    private static void WriteDiff(string path, IReadOnlyList<AgentDiff> diff)
    {
        using var file = new StreamWriter(path);
        foreach (var agent in diff.Where(d => d.Change != AgentChange.Unchanged))
            file.WriteLine(JsonSerializer.Serialize(DiffLine(agent), Compact));
    }

    internal static object DiffLine(AgentDiff agent) => new
    {
        key = agent.Key,
        change = agent.Change.ToString().ToLowerInvariant(),
        fields = agent.Fields.ToDictionary(f => f.Field, f => new { before = f.Before, after = f.After }),
    };

    private static object Summary(StateStageSpec spec, ReplayResult result) => new
    {
        stage = spec.Name,
        topic = spec.InputTopic,
        mode = result.Executed ? "execute" : "dry-run",
        partitions = result.Ranges.Select(r => new { partition = r.Partition, from = r.From, to = r.To, records = r.Records, earliest = r.Earliest, end = r.End }),
        consumed = result.Consumed,
        dropped = result.Dropped,
        rejected = result.Rejected.Select(r => new { partition = r.Partition, offset = r.Offset, reason = r.Reason }),
        added = result.Executed ? (int?)null : result.Count(AgentChange.Added),
        changed = result.Executed ? (int?)null : result.Count(AgentChange.Changed),
        removed = result.Executed ? (int?)null : result.Count(AgentChange.Removed),
        unchanged = result.Executed ? (int?)null : result.Count(AgentChange.Unchanged),
        written = result.Executed ? result.Applied : (long?)null,
        elapsedMs = (long)result.Elapsed.TotalMilliseconds,
    };

    private sealed class Reporter(Action<ReplayProgress> report) : IProgress<ReplayProgress>
    {
        public void Report(ReplayProgress value) => report(value);
    }

    /// <summary>Records per second of one partition's task.</summary>
    private sealed class RateColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text($"{task.Speed ?? 0,8:0} rec/s");
    }
}
