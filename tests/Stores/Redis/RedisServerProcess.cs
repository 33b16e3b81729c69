using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// A real <c>redis-server</c> child process on a loopback port, with nothing persisted. Tests never mock Redis:
/// when the binary is missing this fails loudly instead of skipping.
/// </summary>
internal sealed class RedisServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);
    private readonly string _binary;
    private readonly string _workDir;
    private readonly string[] _extraArgs;
    private Process? _process;

    private RedisServerProcess(string binary, int port, string workDir, string[] extraArgs)
    {
        _binary = binary;
        Port = port;
        _workDir = workDir;
        _extraArgs = extraArgs;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The running server's process id (to pause it with SIGSTOP, as a hung Redis).</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("redis-server is not running");

    /// <summary>Starts redis-server on a free loopback port (a few attempts, in case the port is taken meanwhile).</summary>
    /// <param name="extraArgs">More redis-server arguments, e.g. <c>--requirepass secret</c>.</param>
    public static async Task<RedisServerProcess> StartAsync(params string[] extraArgs)
    {
        var binary = FindBinary();
        for (var attempt = 1; ; attempt++)
        {
            var workDir = Directory.CreateTempSubdirectory("cc-redis-").FullName;
            var server = new RedisServerProcess(binary, FreeLoopbackPort(), workDir, extraArgs);
            try
            {
                await server.RestartAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Starts (again) on the same port, e.g. after <see cref="StopAsync"/>: the data is gone, like after a crash
    /// of a server without persistence.</summary>
    public async Task RestartAsync()
    {
        if (_process is not null)
            throw new InvalidOperationException("redis-server is already running.");
        var start = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _workDir,
        };
        foreach (var arg in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--bind", "127.0.0.1",
                     "--save", "",
                     "--appendonly", "no",
                     "--dir", _workDir,
                     "--daemonize", "no",
                     "--loglevel", "warning",
                 }.Concat(_extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                break;
            if (await PingAsync())
                return;
            await Task.Delay(20);
        }

        await StopAsync();
        string log;
        lock (output) log = output.ToString();
        throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {ReadyTimeout}. Output:\n{log}");
    }

    /// <summary>Kills the server (like a crash).</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
            return;
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            var answer = Encoding.ASCII.GetString(buffer, 0, read);
            // A server started with --requirepass answers NOAUTH: it is up all the same.
            return answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }

    private static string FindBinary() =>
        FindBinary(Environment.GetEnvironmentVariable("PATH") ?? "", "/usr/bin/redis-server");

    /// <summary>redis-server from <paramref name="searchPath"/> (PATH syntax), else <paramref name="fallback"/>;
    /// throws with instructions when neither has it.</summary>
    internal static string FindBinary(string searchPath, string fallback)
    {
        foreach (var dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
                return candidate;
        }
        if (File.Exists(fallback))
            return fallback;
        throw new InvalidOperationException(
            $"redis-server was not found on PATH or at {fallback}. The Redis tests run against a real server: " +
            "install it with scripts/install-test-deps.sh (apt-get install redis-server) and run the tests again.");
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
