using System.CommandLine;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Files;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter purge-keys TOPOLOGY --key-pattern OLD</c>: deletes the hashes (and their tombstone fences) an older
/// key pattern left behind, after a redeploy moved the state to new keys. A key is deleted only when it is exactly
/// <c>OLD</c> with a valid agent id in place of <c>{key}</c> (ids hold no <c>:</c>, so <c>cc:agent:{key}</c> never
/// takes <c>cc:agent:v2:a-1</c>) and is not a key of TOPOLOGY's own Redis sink. Dry run by default.
/// </summary>
internal static class PurgeKeysCommand
{
    public static Command Create()
    {
        var topology = new Argument<string>("topology") { Description = "The topology now deployed: its own keys are never deleted." };
        var pattern = new Option<string>("--key-pattern") { Description = "The old key pattern, with {key}, e.g. \"cc:agent:{key}\".", Required = true };
        var execute = new Option<bool>("--execute") { Description = "Delete (default: count and list a few)." };
        var command = new Command("purge-keys", "Delete the hashes an old Redis key pattern left behind (dry run by default).") { pattern, execute };
        command.Arguments.Add(topology);
        var cluster = ClusterOptions.AddTo(command, kafka: false, redis: true);
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var old = parse.GetValue(pattern)!;
            if (old.Split("{key}").Length != 2)
            {
                error.WriteLine("purge-keys: --key-pattern must hold {key} exactly once");
                return 2;
            }
            if (cluster.Bind(parse, error) is not { } settings)
                return ExitCodes.InvalidInput;
            var path = TopologyFiles.Resolve(parse.GetValue(topology)!, parse.InvocationConfiguration.Error);
            var loaded = TopologyLoader.Load(path);
            if (loaded.Spec is not { } spec)
            {
                foreach (var diagnostic in loaded.Diagnostics)
                    error.WriteLine(diagnostic);
                return 2;
            }
            var current = spec.State.KeyPattern;
            if (current == old)
            {
                error.WriteLine($"purge-keys: {old} is the key pattern {path} writes; nothing to purge");
                return 2;
            }
            using var connection = await ClusterOptions.ConnectRedisAsync(settings, ct);
            var db = connection.GetDatabase();
            var glob = RedisStateReader.KeyGlob(old);
            var candidates = new List<string>();
            // On a Redis Cluster a tombstone is named into its hash's slot ({hash}:tomb) and needs a pattern of its own.
            string[] globs = ClusterSlots.IsCluster(connection) ? [glob + "*", "{" + glob + "*}" + FenceScript.TombstoneSuffix] : [glob + "*"];
            await foreach (var key in globs.ToAsyncEnumerable().SelectMany(g => RedisStateReader.ScanKeysAsync(connection, g)))
            {
                var hash = FenceScript.KeyOfTombstone(key) ?? key;
                if (Matches(old, hash, spec.State.Limits.MaxKeyBytes) && !Matches(current, hash, spec.State.Limits.MaxKeyBytes))
                    candidates.Add(key);
            }
            // Only what the state stage writes under a pattern: hashes, and the string fences of deleted agents. Any other
            // key that happens to match (a list, a plain string) belongs to someone else and is left alone.
            var types = await Task.WhenAll(candidates.Select(k => db.KeyTypeAsync(k)));
            var doomed = new List<string>();
            var skipped = 0;
            for (var i = 0; i < candidates.Count; i++)
            {
                var tomb = candidates[i].EndsWith(FenceScript.TombstoneSuffix, StringComparison.Ordinal);
                if (types[i] == (tomb ? StackExchange.Redis.RedisType.String : StackExchange.Redis.RedisType.Hash)) doomed.Add(candidates[i]);
                else skipped++;
            }
            output.WriteLine($"{doomed.Count} keys under {old} (hashes and their tombstone fences), none of them a key of {current}" +
                (skipped > 0 ? $"; {skipped} other keys match the pattern but are not agent hashes or fences and are kept" : ""));
            foreach (var key in doomed.Take(10))
                output.WriteLine("  " + key);
            if (doomed.Count > 10)
                output.WriteLine($"  ... and {doomed.Count - 10} more");
            if (!parse.GetValue(execute))
            {
                output.WriteLine("dry run: nothing was deleted; run again with --execute");
                return 0;
            }
            foreach (var chunk in doomed.Chunk(500))
                await ClusterSafe.DeleteAsync(db, chunk.Select(k => (StackExchange.Redis.RedisKey)k).ToArray());
            output.WriteLine($"deleted {doomed.Count} keys");
            return 0;
        });
        return command;
    }

    /// <summary>Whether <paramref name="key"/> is <paramref name="pattern"/> with a valid record key in place of <c>{key}</c>.</summary>
    internal static bool Matches(string pattern, string key, int maxKeyBytes)
    {
        var parts = pattern.Split("{key}");
        if (parts.Length != 2 || key.Length <= parts[0].Length + parts[1].Length
            || !key.StartsWith(parts[0], StringComparison.Ordinal) || !key.EndsWith(parts[1], StringComparison.Ordinal))
            return false;
        return RecordKeyRule.IsValid(key[parts[0].Length..^parts[1].Length], maxKeyBytes);
    }
}
