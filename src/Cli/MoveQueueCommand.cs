using System.CommandLine;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Operations;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter move-queue TOPOLOGY --from OLD --to NEW [--execute]</c>: after a queue sink's <c>queue</c> key was
/// renamed, moves every key of the old queue (jobs, ready, delayed, dead and processing lists, leases, holders,
/// attempts, status, errors, counts) under the new one (<see cref="JobQueueMove"/>). Dry run by default;
/// <c>--execute</c> is refused while a worker pool of the old queue holds its reaper lease, or while the queue stage's
/// group has live members. Exit 0 done (or planned), 1 refused, 2 invalid input, 4 Kafka or Redis unreachable.
/// </summary>
internal static class MoveQueueCommand
{
    private const string Verb = "move-queue";

    public static Command Create()
    {
        var topology = new Argument<string>("topology") { Description = "Topology file whose queue sink uses the new queue key." };
        var from = new Option<string>("--from") { Description = "The old queue key.", Required = true };
        var to = new Option<string>("--to") { Description = "The new queue key (a queue sink's 'queue' in TOPOLOGY).", Required = true };
        var execute = new Option<bool>("--execute") { Description = "Move (default: print what would move)." };
        var command = new Command(Verb, "Move every key of a durable queue to its new queue key after a rename (dry run by default).")
        {
            from, to, execute,
        };
        command.Arguments.Add(topology);
        var cluster = ClusterOptions.AddTo(command, kafka: true, redis: true);
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (cluster.Bind(parse, error) is not { } settings)
                return ExitCodes.InvalidInput;
            return await RunAsync(parse.GetValue(topology)!, parse.GetValue(from)!, parse.GetValue(to)!, settings, cluster.Kafka(settings),
                parse.GetValue(execute), parse.InvocationConfiguration.Output, error, ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(string topologyArgument, string from, string to, PodOptions settings, KafkaClientSettings kafka,
        bool execute, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var topologyPath = TopologyFiles.Resolve(topologyArgument, error);
        var loaded = TopologyLoader.Load(topologyPath);
        if (loaded.Model is not { } model || loaded.Spec is not { } pipeline || loaded.HasErrors)
        {
            foreach (var diagnostic in loaded.Diagnostics)
                error.WriteLine(diagnostic);
            error.WriteLine($"{Verb}: {topologyPath} has errors");
            return ExitCodes.InvalidInput;
        }
        var queues = model.Sinks.Where(s => s.Kind == SinkKind.Queue).Select(s => s.Queue!.Value).ToList();
        if (!queues.Contains(to))
        {
            error.WriteLine($"{Verb}: --to '{to}' is not the queue of a queue sink in {topologyPath} (queues: {(queues.Count == 0 ? "none" : string.Join(", ", queues))})");
            return ExitCodes.InvalidInput;
        }
        if (queues.Contains(from))
        {
            error.WriteLine($"{Verb}: --from '{from}' is still a queue of {topologyPath}; its workers would lose what is moved");
            return ExitCodes.InvalidInput;
        }
        using var connection = await ClusterOptions.ConnectRedisAsync(settings, ct);
        var db = connection.GetDatabase();
        var source = new JobQueueKeys(from);
        var target = new JobQueueKeys(to);
        var moves = await JobQueueMove.PlanAsync(connection, source, target);
        output.WriteLine($"move-queue {from} -> {to}");
        output.WriteLine($"{"KEY",-40} {"TYPE",-10} {"ENTRIES",8}  TO");
        foreach (var move in moves)
            output.WriteLine($"{move.From,-40} {move.Type.ToString().ToLowerInvariant(),-10} {move.Entries,8}  {move.To}");
        if (moves.Count == 0)
            output.WriteLine($"the queue {from} has no keys: nothing to move");
        if (!execute)
        {
            output.WriteLine("dry run: nothing was changed; run again with --execute (stop the old queue's stage and workers first)");
            return ExitCodes.Ok;
        }
        if (await JobQueueMove.WorkersAliveAsync(db, source))
        {
            error.WriteLine($"{Verb}: refused: a worker pool of {from} holds its reaper lease ({source.Reaper}); stop the old workers first. Nothing was changed.");
            return ExitCodes.Failed;
        }
        // The queue stage enqueues in the same atomic step as its fenced write: while its pods run, jobs would keep
        // landing under the old key.
        if (pipeline.QueueStages.FirstOrDefault(q => q.QueueKey == to) is { } writer)
        {
            await ClusterOptions.EnsureKafkaAsync(kafka, ct);
            if (await OffsetReset.For(pipeline, writer.Name, kafka)!.LiveMembersAsync() is { Count: > 0 } members)
            {
                error.WriteLine($"{Verb}: refused: stage {writer.Name}'s group {writer.GroupId} has live members: {string.Join(", ", members)}; stop its pods first. Nothing was changed.");
                return ExitCodes.Failed;
            }
        }
        await JobQueueMove.MoveAsync(db, target, moves);
        output.WriteLine($"done: {moves.Count} keys moved; {to} holds every job {from} held");
        return ExitCodes.Ok;
    }
}
