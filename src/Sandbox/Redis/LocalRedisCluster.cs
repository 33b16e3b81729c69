using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Sandbox.Redis;

/// <summary>redis-server or redis-cli is not installed: the one-line reason, with what to install.</summary>
internal sealed class RedisServerMissingException(string message) : Exception(message);

/// <summary>
/// A Redis Cluster on this machine for the demo (<c>demo --redis-cluster N</c>): N primaries with one replica each,
/// Debian's redis-server in cluster mode on free loopback ports, nothing persisted, every file in one temporary
/// directory. The servers are child processes of this one and are killed with it (<see cref="DisposeAsync"/>).
/// </summary>
internal sealed class LocalRedisCluster : IAsyncDisposable
{
    private const int Attempts = 3;
    private readonly List<Process> _servers;
    private readonly string _dir;

    private LocalRedisCluster(List<Process> servers, IReadOnlyList<int> ports, string dir)
    {
        _servers = servers;
        Ports = ports;
        _dir = dir;
    }

    /// <summary>Every node's port (primaries and replicas; roles are the cluster's to assign).</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>Every node as StackExchange.Redis seeds: "127.0.0.1:p1,127.0.0.1:p2,...".</summary>
    public string Endpoint => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}"));

    /// <summary>Starts <paramref name="primaries"/> primaries (at least 3) with one replica each and waits until every
    /// node sees every slot served.</summary>
    /// <exception cref="RedisServerMissingException">redis-server or redis-cli is not on the PATH.</exception>
    public static async Task<LocalRedisCluster> StartAsync(int primaries, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(primaries, 3);
        var server = Find("redis-server");
        var cli = Find("redis-cli");
        for (var attempt = 1; ; attempt++)
        {
            var dir = Directory.CreateTempSubdirectory("cc-redis-cluster-").FullName;
            var started = new List<Process>();
            try
            {
                var ports = FreePorts(primaries * 2);
                foreach (var port in ports)
                    started.Add(StartServer(server, port, dir));
                foreach (var port in ports)
                    await WaitAsync(cli, port, ["ping"], "PONG", $"redis-server on port {port} did not answer; see {dir}/{port}.log", ct);
                var create = new List<string> { "--cluster", "create" };
                create.AddRange(ports.Select(p => $"127.0.0.1:{p}"));
                create.AddRange(["--cluster-replicas", "1", "--cluster-yes"]);
                var (code, output) = await RunAsync(cli, create, ct);
                if (code != 0)
                    throw new InvalidOperationException($"redis-cli --cluster create failed ({code}): {output.Trim()}");
                foreach (var port in ports)
                    await WaitAsync(cli, port, ["cluster", "info"], "cluster_state:ok", $"the cluster did not become ok on port {port}", ct);
                return new LocalRedisCluster(started, ports, dir);
            }
            catch (InvalidOperationException) when (attempt < Attempts && !ct.IsCancellationRequested)
            {
                // A port found free can be taken before the server binds it (other processes run meanwhile): try others.
                Stop(started, dir);
            }
            catch
            {
                Stop(started, dir);
                throw;
            }
        }
    }

    private static Process StartServer(string server, int port, string dir)
    {
        var start = new ProcessStartInfo(server) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var p = port.ToString(CultureInfo.InvariantCulture);
        foreach (var arg in new[]
                 {
                     "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no",
                     "--logfile", Path.Combine(dir, p + ".log"), "--loglevel", "warning",
                     "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(dir, $"nodes-{p}.conf"),
                     "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no",
                 })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{server} did not start");
        // It logs to its file; whatever it prints before that is drained and dropped (never mixed into the demo's output).
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Ports P whose cluster bus P+10000 is free too, below Linux's ephemeral range (where an outgoing
    /// connection could take the port between this check and the server's bind).</summary>
    private static List<int> FreePorts(int count)
    {
        var ports = new List<int>(count);
        for (var tries = 0; ports.Count < count && tries < 2000; tries++)
        {
            var port = Random.Shared.Next(11000, 22000);
            if (!ports.Contains(port) && IsFree(port) && IsFree(port + 10000))
                ports.Add(port);
        }
        return ports.Count == count ? ports : throw new InvalidOperationException("no free loopback ports for a Redis Cluster");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task WaitAsync(string cli, int port, string[] command, string expected, string failure, CancellationToken ct)
    {
        var args = new List<string> { "-p", port.ToString(CultureInfo.InvariantCulture) };
        args.AddRange(command);
        for (var i = 0; i < 300; i++)
        {
            var (code, output) = await RunAsync(cli, args, ct);
            if (code == 0 && output.Contains(expected, StringComparison.Ordinal))
                return;
            await Task.Delay(100, ct);
        }
        throw new InvalidOperationException(failure);
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The full path of <paramref name="program"/> on the PATH.</summary>
    private static string Find(string program)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return dirs.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists)
            ?? throw new RedisServerMissingException(
                $"{program} is not installed: a local Redis Cluster runs Debian's redis-server in cluster mode (apt-get install redis-server, or scripts/install-test-deps.sh)");
    }

    private static void Stop(List<Process> servers, string dir)
    {
        foreach (var server in servers)
        {
            try
            {
                if (!server.HasExited) server.Kill();
                server.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            server.Dispose();
        }
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { /* best effort: a log still open */ }
        catch (UnauthorizedAccessException) { /* best effort */ }
    }

    public ValueTask DisposeAsync()
    {
        Stop(_servers, _dir);
        return ValueTask.CompletedTask;
    }
}
