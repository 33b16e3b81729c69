using System.CommandLine;
using System.Globalization;
using System.Xml;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using ContactCenter.Processor.Operations;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter reset TOPOLOGY --stage S --to-...</c>: moves where a stage resumes. Dry run by default (prints
/// PARTITION, CURRENT, NEW and the change); <c>--execute</c> commits the new offsets for the stage's group and, for the
/// state stage, writes its progress keys in Redis. Refused while the group has live members.
/// Exit 0 done (or planned), 1 refused because of live members or failed, 2 invalid input or an offset outside the log.
/// </summary>
internal static class ResetCommand
{
    public static Command Create()
    {
        var topology = new Argument<string>("topology") { Description = "Topology file." };
        var stage = new Option<string>("--stage") { Description = "Stage whose offsets move.", Required = true };
        var toEarliest = new Option<bool>("--to-earliest") { Description = "The first offset still kept." };
        var toLatest = new Option<bool>("--to-latest") { Description = "The end of the log (skip everything not yet consumed)." };
        var toOffset = new Option<long?>("--to-offset") { Description = "This offset on every selected partition." };
        var toDatetime = new Option<string?>("--to-datetime") { Description = "The first record at or after this time (ISO 8601, UTC unless it says otherwise)." };
        var byDuration = new Option<string?>("--by-duration") { Description = "The first record at or after this long ago (ISO 8601 duration, e.g. PT2H, P1DT30M)." };
        var shiftBy = new Option<long?>("--shift-by") { Description = "Current offset plus N (negative: back)." };
        var fromGroup = new Option<string?>("--from-group") { Description = "Where this consumer group is (after the stage's group was renamed)." };
        var topicsOption = new Option<string?>("--topics") { Description = "Only these of the stage's topics, e.g. voice-agent (default: all it reads)." };
        var partitions = new Option<string?>("--partitions") { Description = "Only these partitions, e.g. 0,3 (default: all)." };
        var execute = new Option<bool>("--execute") { Description = "Apply (default: print what would change)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would change (default)." };
        var command = new Command("reset", "Move where a stage resumes: dry run by default, --execute to apply (refused while the group has members).")
        {
            stage, toEarliest, toLatest, toOffset, toDatetime, byDuration, shiftBy, fromGroup, topicsOption, partitions, execute, dryRun,
        };
        command.Arguments.Add(topology);
        var cluster = ClusterOptions.AddTo(command, kafka: true, redis: true);
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var targets = new List<ResetTarget>();
            if (parse.GetValue(toEarliest)) targets.Add(new ResetTarget.Earliest());
            if (parse.GetValue(toLatest)) targets.Add(new ResetTarget.Latest());
            if (parse.GetValue(toOffset) is { } offset) targets.Add(new ResetTarget.Offset(offset));
            if (parse.GetValue(toDatetime) is { } datetime)
            {
                if (!ReplayRange.TryParseTime(datetime, out var time))
                {
                    error.WriteLine($"reset: --to-datetime '{datetime}' is not an ISO 8601 date-time");
                    return 2;
                }
                targets.Add(new ResetTarget.Time(time));
            }
            if (parse.GetValue(byDuration) is { } duration)
            {
                if (!TryParseIsoDuration(duration, out var span))
                {
                    error.WriteLine($"reset: --by-duration '{duration}' is not an ISO 8601 duration such as PT2H or P1DT30M");
                    return 2;
                }
                targets.Add(new ResetTarget.Ago(span));
            }
            if (parse.GetValue(shiftBy) is { } shift) targets.Add(new ResetTarget.ShiftBy(shift));
            if (parse.GetValue(fromGroup) is { } group) targets.Add(new ResetTarget.FromGroup(group));
            if (targets.Count != 1)
            {
                error.WriteLine("reset: give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --by-duration, --shift-by, --from-group");
                return 2;
            }
            if (parse.GetValue(execute) && parse.GetValue(dryRun))
            {
                error.WriteLine("reset: --dry-run and --execute exclude each other");
                return 2;
            }
            IReadOnlySet<int>? selected = null;
            if (parse.GetValue(partitions) is { } list)
            {
                var set = new HashSet<int>();
                foreach (var item in list.Split(',', StringSplitOptions.TrimEntries))
                {
                    if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                    {
                        error.WriteLine($"reset: --partitions: '{item}' is not a partition number");
                        return 2;
                    }
                    set.Add(p);
                }
                selected = set;
            }
            if (cluster.Bind(parse, error) is not { } settings)
                return ExitCodes.InvalidInput;
            var kafka = cluster.Kafka(settings);
            var topologyPath = TopologyFiles.Resolve(parse.GetValue(topology)!, parse.InvocationConfiguration.Error);
            var loaded = TopologyLoader.Load(topologyPath);
            if (loaded.Spec is not { } pipeline)
            {
                foreach (var diagnostic in loaded.Diagnostics)
                    error.WriteLine(diagnostic);
                error.WriteLine($"reset: {topologyPath} has errors");
                return 2;
            }
            var stageName = parse.GetValue(stage)!;
            
            if (OffsetReset.For(pipeline, stageName, kafka) is not { } found)
            {
                var names = new[] { pipeline.Aggregate.Name, pipeline.State.Name }.Concat(pipeline.QueueStages.Select(q => q.Name)).Concat(pipeline.Windows.Select(w => w.Name));
                error.WriteLine($"reset: {topologyPath} has no stage '{stageName}' (stages: {string.Join(", ", names)})");
                return 2;
            }
            var reset = found;
            if (parse.GetValue(topicsOption) is { } topicList)
            {
                var wanted = topicList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                if (wanted.Except(found.AllTopics).FirstOrDefault() is { } unknown)
                {
                    error.WriteLine($"reset: stage '{stageName}' does not read '{unknown}' (it reads {string.Join(", ", found.AllTopics)})");
                    return 2;
                }
                reset = new OffsetReset(kafka, found.GroupId, found.TopicPartitions.Where(t => wanted.Contains(t.Topic)).ToArray(), found.StateStage);
            }
            await ClusterOptions.EnsureKafkaAsync(kafka, ct);
            using var connection = await ClusterOptions.ConnectRedisAsync(settings, ct);
            var db = connection.GetDatabase();
            var errors = new List<string>();
            var rows = await reset.PlanAsync(targets[0], selected, db, DateTimeOffset.UtcNow, errors);
            if (errors.Count > 0)
            {
                foreach (var message in errors)
                    error.WriteLine("reset: " + message);
                error.WriteLine("reset: refused; nothing was changed (an offset is never clamped to the log)");
                return 2;
            }
            var redisNote = stageName == pipeline.State.Name ? " and Redis progress keys" : "";
            output.WriteLine($"reset {stageName}: group {reset.GroupId}{redisNote}");
            output.WriteLine($"{"TOPIC",-24} {"PARTITION",9}  {"CURRENT",10}  {"NEW",10}  CHANGE");
            foreach (var row in rows)
            {
                var change = row.Change switch
                {
                    < 0 => $"{row.Change} (replays {-row.Change} records)",
                    > 0 => $"+{row.Change} (skips {row.Change} records)",
                    _ => "0",
                };
                var current = row.Current?.ToString(CultureInfo.InvariantCulture) ?? "none";
                output.WriteLine($"{row.Topic,-24} {row.Partition,9}  {current,10}  {row.New,10}  {change}");
            }
            if (!parse.GetValue(execute))
            {
                output.WriteLine("dry run: nothing was changed; run again with --execute to apply (stop the stage's pods first)");
                return 0;
            }
            var members = await reset.LiveMembersAsync();
            if (members is { Count: > 0 })
            {
                error.WriteLine($"reset: refused: group {reset.GroupId} has live members: {string.Join(", ", members)}; stop the stage's pods first");
                return 1;
            }
            if (await reset.ApplyAsync(rows, db) is { } refusal)
            {
                error.WriteLine($"reset: refused: {refusal}; stop the stage's pods first. Nothing was changed.");
                return 1;
            }
            output.WriteLine("done: the stage resumes from NEW on its next start");
            return 0;
        });
        return command;
    }

    /// <summary>ISO 8601 durations (<c>PT2H</c>, <c>P1DT30M</c>), positive.</summary>
    internal static bool TryParseIsoDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (!text.StartsWith('P'))
            return false;
        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return duration > TimeSpan.Zero;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
