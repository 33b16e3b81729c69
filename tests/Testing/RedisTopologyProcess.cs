using System.Diagnostics;
using System.Globalization;

namespace ContactCenter.Testing;

/// <summary>
/// A real Redis Cluster (3 primaries, one replica each) or a Sentinel-watched primary with a replica, started by
/// scripts/redis-cluster.sh from Debian's redis-server and redis-sentinel on free loopback ports, torn down with it.
/// Nodes can be killed, paused and resumed (signals to the processes this fixture started, found by their pid files).
/// </summary>
public sealed class RedisTopologyProcess : IAsyncDisposable
{
    private readonly string _dir;

    private RedisTopologyProcess(string dir, List<(string Role, string Value)> lines)
    {
        _dir = dir;
        Primaries = lines.Where(l => l.Role == "primary").Select(l => int.Parse(l.Value, CultureInfo.InvariantCulture)).ToList();
        Replicas = lines.Where(l => l.Role == "replica").Select(l => int.Parse(l.Value, CultureInfo.InvariantCulture)).ToList();
        Sentinels = lines.Where(l => l.Role == "sentinel").Select(l => int.Parse(l.Value, CultureInfo.InvariantCulture)).ToList();
        Service = lines.Where(l => l.Role == "service").Select(l => l.Value).FirstOrDefault();
    }

    /// <summary>Ports of the primaries when started (roles change with failovers).</summary>
    public IReadOnlyList<int> Primaries { get; }

    public IReadOnlyList<int> Replicas { get; }

    public IReadOnlyList<int> Sentinels { get; }

    /// <summary>The Sentinel service name (null for a cluster).</summary>
    public string? Service { get; }

    /// <summary>Every data node, as StackExchange.Redis seeds: "127.0.0.1:p1,127.0.0.1:p2,...".</summary>
    public string ClusterEndpoint => string.Join(",", Primaries.Concat(Replicas).Select(p => $"127.0.0.1:{p}"));

    /// <summary>A Sentinel-configured connection string: the sentinels and the service name.</summary>
    public string SentinelEndpoint => string.Join(",", Sentinels.Select(p => $"127.0.0.1:{p}")) + $",serviceName={Service}";

    public static Task<RedisTopologyProcess> StartClusterAsync() => StartAsync("cluster");

    public static Task<RedisTopologyProcess> StartSentinelAsync() => StartAsync("sentinel");

    /// <summary>One plain redis-server (a baseline beside the cluster).</summary>
    public static Task<RedisTopologyProcess> StartSingleAsync() => StartAsync("single");

    private static async Task<RedisTopologyProcess> StartAsync(string kind)
    {
        for (var attempt = 1; ; attempt++)
        {
            var dir = Directory.CreateTempSubdirectory($"cc-redis-{kind}-").FullName;
            var (code, output) = await RunAsync(Script, kind, dir);
            if (code == 0)
                return Parse(dir, output);
            await RunAsync(Script, "stop", dir);
            // A port found free can be taken before the server binds it (other tests run meanwhile): try other ports.
            if (attempt < 3 && output.Contains("did not answer PING", StringComparison.Ordinal))
            {
                Directory.Delete(dir, recursive: true);
                continue;
            }
            throw new InvalidOperationException($"scripts/redis-cluster.sh {kind} failed ({code}) in {dir}:\n{output}");
        }
    }

    private static RedisTopologyProcess Parse(string dir, string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(' ', 2)).Where(p => p.Length == 2).Select(p => (p[0], p[1])).ToList();
        return new RedisTopologyProcess(dir, lines);
    }

    /// <summary>Kills a node like a crash (SIGKILL).</summary>
    public Task KillAsync(int port) => SignalAsync(port, "KILL");

    /// <summary>Freezes a node (SIGSTOP): it neither answers nor replicates until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync(int port) => SignalAsync(port, "STOP");

    public Task ResumeAsync(int port) => SignalAsync(port, "CONT");

    /// <summary>
    /// Makes <paramref name="replica"/> lag its primary for certain: frozen first, then cut off by the primary, so the
    /// replication stream that follows stays with the primary (not in the frozen replica's socket buffer, from which it
    /// would still be applied on resume). Until <see cref="ResumeAsync"/> the primary acknowledges writes it alone holds.
    /// </summary>
    public async Task CutOffReplicaAsync(int primary, int replica)
    {
        await PauseAsync(replica);
        await CliAsync("-p", primary.ToString(CultureInfo.InvariantCulture), "client", "kill", "type", "replica");
    }

    /// <summary>Runs redis-cli with <paramref name="args"/>; throws with its output when it fails.</summary>
    public static async Task<string> CliAsync(params string[] args)
    {
        var (code, output) = await RunAsync("redis-cli", args);
        if (code != 0)
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed ({code}):\n{output}");
        return output;
    }

    /// <summary>The cluster as <paramref name="port"/> sees it (<c>CLUSTER NODES</c>).</summary>
    public static async Task<IReadOnlyList<ClusterNode>> NodesAsync(int port)
    {
        var text = await CliAsync("-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "nodes");
        var nodes = new List<ClusterNode>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ');
            var address = parts[1].Split('@')[0];
            var flags = parts[2].Split(',');
            nodes.Add(new ClusterNode(parts[0], int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture),
                flags.Contains("master"), parts[3] == "-" ? null : parts[3], flags.Contains("fail") || flags.Contains("fail?"), parts.Length > 8));
        }
        return nodes;
    }

    private async Task SignalAsync(int port, string signal)
    {
        var pidFile = Path.Combine(_dir, $"{port}.pid");
        var pid = File.ReadAllText(pidFile).Trim();
        var (code, output) = await RunAsync("kill", $"-{signal}", pid);
        if (code != 0)
            throw new InvalidOperationException($"kill -{signal} {pid} (port {port}) failed: {output}");
    }

    private static string Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var script = Path.Combine(dir.FullName, "scripts", "redis-cluster.sh");
                if (File.Exists(script)) return script;
            }
            throw new InvalidOperationException("scripts/redis-cluster.sh not found above " + AppContext.BaseDirectory);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync(Script, "stop", _dir);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>One line of <c>CLUSTER NODES</c>.</summary>
public sealed record ClusterNode(string Id, int Port, bool IsPrimary, string? PrimaryId, bool IsFailing, bool HasSlots);
