using System.CommandLine;
using ContactCenter.Processor.Operations;
using ContactCenter.Stores.Queue;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using StackExchange.Redis;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter move-queue TOPOLOGY --from OLD --to NEW [--execute]</c>: after a queue sink's <c>queue</c> key was
/// renamed, moves every key of the old queue (jobs, ready, delayed, dead and processing lists, leases, holders,
/// attempts, status, errors, counts) under the new one (<see cref="JobQueueMove"/>). Dry run by default;
/// <c>--execute</c> is refused while a worker pool of the old queue holds its reaper lease, or (when the broker is
/// given) while the queue stage's group has live members.
/// Exit 0 done (or planned), 1 refused, 2 invalid input or Redis unreachable.
/// </summary>
internal static class MoveQueueCommand
{
    public static Command Create()
    {
        var topology = new Argument<string>("topology") { Description = "Topology file whose queue sink uses the new queue key." };
        var from = new Option<string>("--from") { Description = "The old queue key.", Required = true };
        var to = new Option<string>("--to") { Description = "The new queue key (a queue sink's 'queue' in TOPOLOGY).", Required = true };
        var redis = ClusterAddresses.RedisOption();
        var bootstrap = ClusterAddresses.BootstrapOption();
        var execute = new Option<bool>("--execute") { Description = "Move (default: print what would move)." };
        var command = new Command("move-queue", "Move every key of a durable queue to its new queue key after a rename (dry run by default).")
        {
            from, to, redis, bootstrap, execute,
        };
        command.Arguments.Add(topology);
        command.SetAction((parse, _) => RunAsync(parse.GetValue(topology)!, parse.GetValue(from)!, parse.GetValue(to)!, parse.GetValue(redis),
            parse.GetValue(bootstrap) ?? Environment.GetEnvironmentVariable(ClusterAddresses.BootstrapVariable),
            parse.GetValue(execute), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return command;
    }

    private static async Task<int> RunAsync(string topologyArgument, string from, string to, string? redisOption, string? bootstrapServers, bool execute, TextWriter output, TextWriter error)
    {
        const string verb = "move-queue";
        var topologyPath = TopologyFiles.Resolve(topologyArgument);
        var loaded = TopologyLoader.Load(topologyPath);
        if (loaded.Model is not { } model || loaded.Spec is not { } pipeline || loaded.HasErrors)
        {
            foreach (var diagnostic in loaded.Diagnostics)
                error.WriteLine(diagnostic);
            error.WriteLine($"{verb}: {topologyPath} has errors");
            return 2;
        }
        var queues = model.Sinks.Where(s => s.Kind == SinkKind.Queue).Select(s => s.Queue!.Value).ToList();
        if (!queues.Contains(to))
        {
            error.WriteLine($"{verb}: --to '{to}' is not the queue of a queue sink in {topologyPath} (queues: {(queues.Count == 0 ? "none" : string.Join(", ", queues))})");
            return 2;
        }
        if (queues.Contains(from))
        {
            error.WriteLine($"{verb}: --from '{from}' is still a queue of {topologyPath}; its workers would lose what is moved");
            return 2;
        }
        if (ClusterAddresses.Resolve(redisOption, ClusterAddresses.RedisVariable, "--redis", error, verb) is not { } redisEndpoint)
            return 2;
        IConnectionMultiplexer connection;
        try
        {
            connection = await RedisConnector.ConnectAsync(redisEndpoint);
        }
        catch (RedisConnectionException)
        {
            error.WriteLine($"{verb}: cannot reach Redis at {redisEndpoint} (--redis or {ClusterAddresses.RedisVariable})");
            return 2;
        }
        await using (connection)
        {
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
                return 0;
            }
            if (await JobQueueMove.WorkersAliveAsync(db, source))
            {
                error.WriteLine($"{verb}: refused: a worker pool of {from} holds its reaper lease ({source.Reaper}); stop the old workers first. Nothing was changed.");
                return 1;
            }
            // The queue stage enqueues in the same atomic step as its fenced write: while its pods run, jobs would keep
            // landing under the old key. Its group is asked when the broker is known.
            if (pipeline.QueueStages.FirstOrDefault(q => q.QueueKey == to) is { } writer)
            {
                if (string.IsNullOrWhiteSpace(bootstrapServers))
                    output.WriteLine($"not checked whether stage {writer.Name}'s pods are stopped (no --bootstrap-servers or {ClusterAddresses.BootstrapVariable})");
                else if (await OffsetReset.For(pipeline, writer.Name, bootstrapServers)!.LiveMembersAsync() is { Count: > 0 } members)
                {
                    error.WriteLine($"{verb}: refused: stage {writer.Name}'s group {writer.GroupId} has live members: {string.Join(", ", members)}; stop its pods first. Nothing was changed.");
                    return 1;
                }
            }
            await JobQueueMove.MoveAsync(db, target, moves);
            output.WriteLine($"done: {moves.Count} keys moved; {to} holds every job {from} held");
            return 0;
        }
    }
}
