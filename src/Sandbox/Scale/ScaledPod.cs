using System.Collections.Concurrent;
using System.Diagnostics;

namespace ContactCenter.Sandbox.Scale;

/// <summary>
/// One <c>contactcenter run</c> process of a scaling run, started the way a replica set starts a pod: its own process,
/// its own state directory, endpoints on a free port. It is stopped the way Kubernetes stops one: SIGTERM (scale-in,
/// a drain) or SIGKILL (a node lost).
/// </summary>
internal sealed class ScaledPod : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StreamWriter _log;

    private ScaledPod(string name, Process process, string logFile)
    {
        Name = name;
        _process = process;
        _log = new StreamWriter(logFile) { AutoFlush = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready") _ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            _stderr.Enqueue(line);
            lock (_log) _log.WriteLine(line);
            // Keep the last lines only: a pod logs for the whole run.
            while (_stderr.Count > 200 && _stderr.TryDequeue(out string? _)) { }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>Starts <c>dotnet <paramref name="dll"/> run ARGS --http-port 0</c> in <paramref name="workDir"/>; its whole
    /// log (stderr) goes to <c>workDir/NAME.log</c>.</summary>
    public static ScaledPod Start(string name, string dll, string workDir, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("run");
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.ArgumentList.Add("--http-port");
        info.ArgumentList.Add("0");
        return new ScaledPod(name, Process.Start(info) ?? throw new InvalidOperationException($"could not start pod {name}"),
            Path.Combine(workDir, name + ".log"));
    }

    /// <summary>Waits until the pod printed <c>ready</c> (joined its groups, restored its stores).</summary>
    public async Task WaitForReadyAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_ready.Task, exited).WaitAsync(timeout).ConfigureAwait(false);
        if (first != _ready.Task)
            throw new InvalidOperationException($"pod {Name} exited ({_process.ExitCode}) before it was ready\n{Tail}");
    }

    /// <summary>SIGTERM: the pod drains (flushes its Redis writes, commits, leaves its groups) and exits.</summary>
    public void Terminate() => SendSignal("TERM");

    /// <summary>SIGKILL: no drain, no leave; the group notices when the session times out.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>The exit code, or null when the pod did not exit within <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
            return _process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>The last lines the pod logged (stderr), for failure messages.</summary>
    public string Tail => $"--- pod {Name} stderr (last lines) ---\n" + string.Join("\n", _stderr.ToArray().TakeLast(40));

    private void SendSignal(string signal)
    {
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}") ?? throw new InvalidOperationException("could not run kill");
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {_process.Id} failed ({kill.ExitCode})");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
