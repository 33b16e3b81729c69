using System.CommandLine;
using ContactCenter.Stores.Redis;
using ContactCenter.Stores.Snapshots;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter snapshot save|load</c>: the state stage's Redis state to a snapshot file and back
/// (<see cref="RedisSnapshots"/>). Exit 0 done, 1 refused (a corrupt, truncated or foreign file), 2 invalid input (a
/// bad topology, a missing input file, an output that would overwrite an input or lands in a missing folder), 4 Redis
/// unreachable (<see cref="ExitCodes"/>).
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
        var file = new Option<string>(save ? "--out" : "--in") { Description = "Snapshot file.", Required = true };
        var command = new Command(name, description) { topology, file };
        var cluster = ClusterOptions.AddTo(command, kafka: false, redis: true);
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var topologyPath = TopologyFiles.Resolve(parse.GetValue(topology)!, parse.InvocationConfiguration.Error);
            var loaded = TopologyLoader.Load(topologyPath);
            if (loaded.HasErrors || loaded.Spec is not { } spec)
            {
                foreach (var d in loaded.Diagnostics) error.WriteLine(d);
                return ExitCodes.InvalidInput;
            }
            var state = spec.State;
            var path = parse.GetValue(file)!;
            if (save && OutputGuard.CheckWritable("--out", path, [topologyPath]) is { } refused)
            {
                error.WriteLine($"snapshot save: {refused}");
                return ExitCodes.InvalidInput;
            }
            if (!save && !File.Exists(path))
            {
                error.WriteLine($"snapshot load: --in {path} does not exist");
                return ExitCodes.InvalidInput;
            }
            if (cluster.Bind(parse, error) is not { } settings)
                return ExitCodes.InvalidInput;
            await using (var connection = await ClusterOptions.ConnectRedisAsync(settings, ct))
            {
                if (save)
                {
                    var records = await RedisSnapshots.SaveAsync(connection, state.Name, state.KeyPattern, RedisKeyspace.OffsetsPrefix, path, ct);
                    output.WriteLine($"saved {records} records of stage {state.Name} to {path}");
                    return 0;
                }
                try
                {
                    var result = await RedisSnapshots.LoadAsync(connection, state.Name, state.KeyPattern, RedisKeyspace.OffsetsPrefix, path, ct);
                    output.WriteLine($"loaded {result.Hashes} hashes and {result.Tombstones} tombstones of stage {state.Name} from {path} " +
                        $"({result.Skipped} kept: Redis already had them); offsets of {result.Header.Offsets.Count} partitions");
                    return 0;
                }
                catch (SnapshotFormatException ex)
                {
                    error.WriteLine($"snapshot load: refused: {ex.Message}");
                    return ExitCodes.Failed;
                }
            }
        });
        return command;
    }
}
