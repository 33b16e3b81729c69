using System.CommandLine;
using System.Globalization;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Operations;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter copy-progress TOPOLOGY --stage NEW --from-stage OLD [--execute]</c>: after a Redis-writing stage
/// was renamed (same group), gives the new name the old one's progress keys, epoch and unfinished rebuild markers, so
/// its pods resume where the old ones stopped instead of rebuilding. Dry run by default; <c>--execute</c> is refused
/// while the stage's group (or the old group given with <c>--from-group</c>) has live members (the old pods would move
/// the old keys on).
/// Exit 0 done (or planned), 1 refused or nothing to copy, 2 invalid input, 4 Kafka or Redis unreachable.
/// </summary>
internal static class CopyProgressCommand
{
    private const string Verb = "copy-progress";

    public static Command Create()
    {
        var topology = new Argument<string>("topology") { Description = "Topology file that names the stage under its new name." };
        var stage = new Option<string>("--stage") { Description = "The stage's new name (a stage writing Redis or a queue).", Required = true };
        var fromStage = new Option<string>("--from-stage") { Description = "The stage's old name.", Required = true };
        var fromGroup = new Option<string?>("--from-group") { Description = "The stage's old consumer group, when it was renamed too (its members are checked as well)." };
        var execute = new Option<bool>("--execute") { Description = "Copy (default: print what would be copied)." };
        var command = new Command(Verb, "Copy a renamed stage's Redis progress and epoch from its old name, so it resumes without a rebuild (dry run by default).")
        {
            stage, fromStage, fromGroup, execute,
        };
        command.Arguments.Add(topology);
        var cluster = ClusterOptions.AddTo(command, kafka: true, redis: true);
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (cluster.Bind(parse, error) is not { } settings)
                return ExitCodes.InvalidInput;
            return await RunAsync(parse.GetValue(topology)!, parse.GetValue(stage)!, parse.GetValue(fromStage)!, parse.GetValue(fromGroup),
                settings, cluster.Kafka(settings), parse.GetValue(execute), parse.InvocationConfiguration.Output, error, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(string topologyArgument, string stage, string fromStage, string? fromGroup, PodOptions settings,
        KafkaClientSettings kafka, bool execute, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var topologyPath = TopologyFiles.Resolve(topologyArgument, error);
        var loaded = TopologyLoader.Load(topologyPath);
        if (loaded.Spec is not { } pipeline)
        {
            foreach (var diagnostic in loaded.Diagnostics)
                error.WriteLine(diagnostic);
            error.WriteLine($"{Verb}: {topologyPath} has errors");
            return ExitCodes.InvalidInput;
        }
        var writers = new[] { pipeline.State.Name }.Concat(pipeline.QueueStages.Select(q => q.Name)).ToList();
        if (!writers.Contains(stage))
        {
            error.WriteLine($"{Verb}: {topologyPath} has no stage '{stage}' that writes Redis (those that do: {string.Join(", ", writers)})");
            return ExitCodes.InvalidInput;
        }
        if (fromStage == stage || pipeline.Aggregate.Name == fromStage || writers.Contains(fromStage))
        {
            error.WriteLine($"{Verb}: --from-stage '{fromStage}' is a stage of {topologyPath}; give the name the stage had before the rename");
            return ExitCodes.InvalidInput;
        }
        using var connection = await ClusterOptions.ConnectRedisAsync(settings, ct);
        var db = connection.GetDatabase();
        var progress = await StageProgressCopy.ReadAsync(db, RedisKeyspace.OffsetsPrefix, RedisKeyspace.EpochPrefix, fromStage, stage);
        if (progress.FromEpoch is null)
        {
            error.WriteLine($"{Verb}: stage '{fromStage}' has no epoch key ({RedisKeyspace.EpochPrefix}:{fromStage}) in this Redis: it never wrote here, or Redis lost its data; nothing to copy (the renamed stage rebuilds on its first start)");
            return ExitCodes.Failed;
        }
        var copied = StageProgressCopy.PartitionsToCopy(progress).ToHashSet();
        output.WriteLine($"copy-progress {fromStage} -> {stage}");
        output.WriteLine($"epoch {RedisKeyspace.EpochPrefix}:{stage}: {(progress.ToEpochExists ? "present, kept" : "copied")}");
        output.WriteLine($"{"PARTITION",9}  {"OLD",12}  {"NEW NOW",12}  ACTION");
        foreach (var (partition, offset) in progress.From.OrderBy(p => p.Key))
        {
            var now = progress.To.TryGetValue(partition, out var to) ? to.ToString(CultureInfo.InvariantCulture) : "none";
            output.WriteLine($"{partition,9}  {offset,12}  {now,12}  {(copied.Contains(partition) ? "copy" : "keep (newer)")}");
        }
        foreach (var (partition, end) in progress.RebuildMarkers.OrderBy(m => m.Key))
            output.WriteLine($"unfinished rebuild of partition {partition} up to {end}: carried over");
        if (!execute)
        {
            output.WriteLine("dry run: nothing was changed; run again with --execute (stop the stage's pods first)");
            return ExitCodes.Ok;
        }
        // The old pods would move the old keys on after the copy: refused while the stage's group (or the old one) has members.
        await ClusterOptions.EnsureKafkaAsync(kafka, ct);
        var group = OffsetReset.For(pipeline, stage, kafka)!;
        var groups = fromGroup is null ? [group] : new[] { group, new OffsetReset(kafka, fromGroup, group.TopicPartitions, null) };
        foreach (var candidate in groups)
        {
            if (await candidate.LiveMembersAsync() is { Count: > 0 } members)
            {
                error.WriteLine($"{Verb}: refused: group {candidate.GroupId} has live members: {string.Join(", ", members)}; stop the stage's pods first. Nothing was changed.");
                return ExitCodes.Failed;
            }
        }
        var written = await StageProgressCopy.ApplyAsync(db, RedisKeyspace.OffsetsPrefix, RedisKeyspace.EpochPrefix, progress);
        output.WriteLine($"done: {written} keys written; stage {stage} resumes where {fromStage} stopped");
        return ExitCodes.Ok;
    }
}
