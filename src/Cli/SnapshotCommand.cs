using System.CommandLine;
using ContactCenter.Stores.Redis;
using ContactCenter.Stores.Snapshots;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter snapshot save|load</c>: the state stage's Redis state to a snapshot file and back
/// (<see cref="RedisSnapshots"/>). Exit 0 done, 1 refused (a corrupt, truncated or foreign file, an invalid topology),
/// 2 Redis unreachable.
/// </summary>
internal static class SnapshotCommand
{
    public static Command Create()
    {
        var command = new Command("snapshot", "Save the state stage's Redis state to a snapshot file, or load one back.");
        command.Subcommands.Add(Verb("save", "Write every agent hash, tombstone and the stage's offsets to FILE (offsets read first).", save: true));
        command.Subcommands.Add(Verb("load", "Restore FILE into Redis: hashes and tombstones where Redis has none, then the offsets. Refuses corrupt or foreign files.", save: false));
        return command;
    }

    private static Command Verb(string name, string description, bool save)
    {
        var topology = new Option<string>("--topology") { Description = "Topology file.", DefaultValueFactory = _ => "topologies/agent-state.yaml" };
        var redis = new Option<string>("--redis") { Description = "Redis endpoint (host:port).", Required = true };
        var file = new Option<string>(save ? "--out" : "--in") { Description = "Snapshot file.", Required = true };
        var command = new Command(name, description) { topology, redis, file };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var loaded = TopologyLoader.Load(TopologyFiles.Resolve(parse.GetValue(topology)!));
            if (loaded.HasErrors || loaded.Spec is not { } spec)
            {
                foreach (var d in loaded.Diagnostics) output.WriteLine(d);
                return 1;
            }
            var state = spec.State;
            var path = parse.GetValue(file)!;
            StackExchange.Redis.IConnectionMultiplexer connection;
            try
            {
                connection = await RedisConnector.ConnectAsync(parse.GetValue(redis)!);
            }
            catch (StackExchange.Redis.RedisConnectionException ex)
            {
                parse.InvocationConfiguration.Error.WriteLine($"cannot reach Redis: {ex.Message}");
                return 2;
            }
            await using (connection)
            {
                if (save)
                {
                    var records = await RedisSnapshots.SaveAsync(connection, state.Name, state.KeyPattern, RedisKeyspace.OffsetsPrefix, path, ct);
                    output.WriteLine($"saved {records} records of stage {state.Name} to {path}");
                    return 0;
                }
                try
                {
                    var result = await ContactCenter.Processor.Pipeline.StageRestore.LoadSnapshotAsync(connection, state, path, ct);
                    output.WriteLine($"loaded {result.Hashes} hashes and {result.Tombstones} tombstones of stage {state.Name} from {path} " +
                        $"({result.Skipped} kept: Redis already had them); offsets of {result.Header.Offsets.Count} partitions");
                    return 0;
                }
                catch (SnapshotFormatException ex)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"refused: {ex.Message}");
                    return 1;
                }
            }
        });
        return command;
    }
}
