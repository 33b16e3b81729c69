using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Operations.Migration;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter migrate OLD NEW [--execute] [--rollback] [--format text|json]</c>: changes partition counts (or moves a
/// store or changelog) under traffic: new topics, a bridge, shadow stages, a cut-over and a rollback path
/// (docs/migrate.md). Dry run by default. Exit 0 done (or the dry run found nothing in the way), 1 failed on the way
/// (run it again: it resumes), 2 invalid input or refused (one line per reason).
/// </summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var oldFile = new Argument<string>("old") { Description = "Topology file running now." };
        var newFile = new Argument<string>("new") { Description = "Topology file to move to (new topic, group and stage names)." };
        var execute = new Option<bool>("--execute") { Description = "Act: create topics, bridge, cut over once the shadow caught up (default: dry run)." };
        var rollback = new Option<bool>("--rollback") { Description = "Undo a migration that has not cut over (with --execute)." };
        var format = ReportFormat.Option(ReportFormat.Text, ReportFormat.Json);
        var maxLag = new Option<long>("--max-lag") { Description = "Cut over once the bridge and both shadow stages lag at most this many records.", DefaultValueFactory = _ => 2000 };
        var drainIdle = new Option<TimeSpan>("--drain-idle")
        {
            Description = "After the cut-over, finish once the old sources stayed idle this long (producers switched); 0 stops at the cut-over.",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(30), CustomParser = DurationParser.Parse,
        };
        var command = new Command("migrate", "Change partition counts under traffic: bridge into new topics, shadow stages, cut over (dry run unless --execute).")
        {
            execute, rollback, format, maxLag, drainIdle,
        };
        command.Arguments.Add(oldFile);
        command.Arguments.Add(newFile);
        var cluster = ClusterOptions.AddTo(command, kafka: true, redis: true);
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var json = parse.GetValue(format) == ReportFormat.Json;
            var oldPath = TopologyFiles.Resolve(parse.GetValue(oldFile)!);
            var newPath = TopologyFiles.Resolve(parse.GetValue(newFile)!);
            var oldLoaded = TopologyLoader.Load(oldPath);
            var newLoaded = TopologyLoader.Load(newPath);
            if (oldLoaded.Spec is not { } oldSpec || newLoaded.Spec is not { } newSpec)
            {
                foreach (var d in oldLoaded.Diagnostics.Concat(newLoaded.Diagnostics)) error.WriteLine(d);
                error.WriteLine("migrate: invalid input (exit 2)");
                return 2;
            }
            var plan = MigrationPlan.Create(oldSpec, newSpec);
            var options = new MigrationOptions
            {
                MaxLag = parse.GetValue(maxLag),
                DrainIdle = parse.GetValue(drainIdle) is { } idle && idle > TimeSpan.Zero ? idle : null,
            };
            var executing = parse.GetValue(execute);
            if (parse.GetValue(rollback) && !executing)
            {
                Render(output, json, plan, options, null, "rollback dry run: add --execute to forget the migration and delete its topics");
                return plan.Refusals.Count > 0 ? 2 : 0;
            }
            // Without a cluster configured (no flags, no --config, no CC__ variables) a dry run still prints the plan.
            var configured = cluster.Bind(parse, TextWriter.Null);
            if (configured is null)
            {
                if (executing)
                {
                    cluster.Bind(parse, error);
                    return ExitCodes.InvalidInput;
                }
                Render(output, json, plan, options, null, "dry run; the cluster was not checked (no --bootstrap-servers / --redis)");
                return plan.Refusals.Count > 0 ? 2 : 0;
            }
            var kafka = cluster.Kafka(configured);
            await ClusterOptions.EnsureKafkaAsync(kafka, ct);
            using (var connection = await ClusterOptions.ConnectRedisAsync(configured, ct))
            {
                var db = connection.GetDatabase();
                if (parse.GetValue(rollback))
                {
                    try
                    {
                        if (await MigrationRollback.RefusalAsync(plan, kafka, db) is { } refused)
                        {
                            error.WriteLine("migrate: cannot roll back: " + refused);
                            return 2;
                        }
                        foreach (var line in await MigrationRollback.RunAsync(plan, kafka, connection))
                            output.WriteLine("rolled back: " + line);
                        return 0;
                    }
                    catch (Exception failure) when (failure is not OperationCanceledException)
                    {
                        error.WriteLine($"migrate: rollback failed: {failure.Message}");
                        return 1;
                    }
                }

                PreflightResult preflight;
                try
                {
                    preflight = await MigrationPreflight.CheckAsync(plan, kafka, db);
                }
                catch (InvalidOperationException failure)
                {
                    error.WriteLine("migrate: " + failure.Message);
                    return 2;
                }
                if (!executing || preflight.Refusals.Count > 0)
                {
                    Render(output, json, plan, options, preflight, executing ? "refused; nothing was written" : "dry run; nothing was written (add --execute)");
                    return preflight.Refusals.Count > 0 ? 2 : 0;
                }

                using var logs = Logs.Create(LogLevel.Information, LogLevel.Warning);
                var logger = logs.CreateLogger("ContactCenter.Migrate");
                using var provisioner = new AdminTopicProvisioner(kafka);
                var runner = new MigrationRunner(plan, kafka, connection, provisioner, logger, options);
                runner.Progress += p => error.WriteLine(ProgressLine(p));
                runner.CutOver += () => output.WriteLine($"cut over: readers see stage {plan.New.State.Name}; switch producers to {string.Join(", ", plan.Bridge.Select(b => b.To))}");
                output.WriteLine($"shadowing: stage {plan.New.State.Name} writes as generation {preflight.Generation}; start the pods of {newPath} now");
                try
                {
                    var phase = await runner.RunAsync(preflight.Generation, ct);
                    output.WriteLine(json
                        ? JsonSerializer.Serialize(new { migration = plan.Id, phase = phase.ToString().ToLowerInvariant(), generation = preflight.Generation }, ReplayCommand.Compact)
                        : $"migration {plan.Id}: {PhaseName(phase)}");
                    return 0;
                }
                catch (Exception failure) when (failure is not OperationCanceledException)
                {
                    error.WriteLine($"migrate: failed: {failure.Message} (run the same command again: it resumes)");
                    return 1;
                }
            }
        });
        return command;
    }

    internal static string PhaseName(MigrationPhase phase) => phase switch
    {
        MigrationPhase.Shadowing => "shadowing",
        MigrationPhase.CutOver => "cut over",
        MigrationPhase.Done => "done",
        _ => "not started",
    };

    internal static string ProgressLine(MigrationProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"[{p.Elapsed.TotalSeconds,5:F0}s] {PhaseName(p.Phase),-9} bridge copied {p.Bridge.Copied:N0} ({p.Bridge.RecordsPerSecond:F0}/s, lag {Math.Max(0, p.Bridge.Lag):N0}, skipped {p.Bridge.SkippedDuplicates:N0})  aggregate lag {p.AggregateLag:N0}  state lag {p.StateLag:N0} ({p.StateRecordsPerSecond:F0}/s)  ETA {(p.Eta is { } eta ? $"{eta.TotalSeconds:F0}s" : "-")}");

    private static void Render(TextWriter output, bool json, MigrationPlan plan, MigrationOptions options, PreflightResult? preflight, string note)
    {
        var refusals = preflight?.Refusals ?? plan.Refusals;
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                migration = plan.Id,
                partitionsBefore = plan.PartitionsBefore,
                partitionsAfter = plan.PartitionsAfter,
                generation = preflight?.Generation,
                phase = preflight is null ? null : PhaseName(preflight.Phase),
                topics = plan.Topics.Select(t => new { name = t.Name, partitions = t.Partitions, configs = t.Configs, role = t.Role, exists = preflight?.ExistingTopics.Contains(t.Name) }),
                bridge = plan.Bridge.Select(b => new { source = b.Source, from = b.From, fromPartitions = b.FromPartitions, to = b.To, toPartitions = b.ToPartitions }),
                shadow = new[]
                {
                    new { stage = plan.New.Aggregate.Name, group = plan.New.Aggregate.ApplicationId, store = plan.New.Aggregate.StoreName },
                    new { stage = plan.New.State.Name, group = plan.New.State.GroupId, store = plan.New.State.KeyPattern },
                },
                cutOver = plan.CutOverCondition(options.MaxLag),
                rollback = plan.RollbackPath,
                refusals,
                note,
            }, DiagnosticReport.Options));
            return;
        }
        output.WriteLine($"migrate {plan.Old.Name} -> {plan.New.Name}: {plan.PartitionsBefore} -> {plan.PartitionsAfter} partitions"
            + (preflight is null ? "" : $", generation {preflight.Generation}, phase {PhaseName(preflight.Phase)}"));
        output.WriteLine("new topics:");
        foreach (var t in plan.Topics)
            output.WriteLine($"  {t.Name,-40} {t.Partitions,3} partitions  {(t.Configs.Count == 0 ? "" : string.Join(",", t.Configs.Select(c => $"{c.Key}={c.Value}")) + "  ")}{t.Role}{(preflight?.ExistingTopics.Contains(t.Name) == true ? " (exists)" : "")}");
        output.WriteLine("bridge (murmur2 on the key, per-key order kept, exactly once: checkpoint in Redis, origin header " + TopicBridge.OriginHeader + "):");
        foreach (var b in plan.Bridge)
            output.WriteLine($"  {b.From} ({b.FromPartitions}) -> {b.To} ({b.ToPartitions})");
        if (plan.Bridge.Count == 0)
            output.WriteLine("  nothing to copy: the sources keep their topics");
        output.WriteLine("shadow stages (start their pods once this command says 'shadowing'):");
        output.WriteLine($"  {plan.New.Aggregate.Name}: group {plan.New.Aggregate.ApplicationId}, store {plan.New.Aggregate.StoreName}, writes {plan.New.Aggregate.OutputTopic}");
        output.WriteLine($"  {plan.New.State.Name}: group {plan.New.State.GroupId}, writes {plan.New.State.KeyPattern} as a new generation: no hash changes until the cut-over");
        output.WriteLine($"cut-over: when {plan.CutOverCondition(options.MaxLag)}; then switch producers to the new topics"
            + (options.DrainIdle is { } idle ? $"; done once the old sources stayed idle for {idle.TotalSeconds:0} s" : ""));
        foreach (var line in plan.RollbackPath)
            output.WriteLine($"rollback {line}");
        foreach (var refusal in refusals)
            output.WriteLine($"cannot start: {refusal}");
        output.WriteLine(note);
    }
}
