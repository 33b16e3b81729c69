using System.Diagnostics;
using System.Text.Json;

namespace ContactCenter.Bench.Pipeline;

/// <summary>The parent's handle on a <see cref="PipelineWorker"/>: starts this same executable with the worker verb,
/// sends commands, reads the answers. The worker's stderr (its logs) goes to ours.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static async Task<WorkerProcess> StartAsync(IEnumerable<string> workerArgs, IReadOnlyDictionary<string, string> environment, TimeSpan startTimeout)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        // Run as `dotnet ContactCenter.Bench.dll` or as the apphost, whichever this process is.
        var self = Environment.ProcessPath ?? "dotnet";
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.FileName = self;
            start.ArgumentList.Add(typeof(WorkerProcess).Assembly.Location);
        }
        else
        {
            start.FileName = self;
        }
        start.ArgumentList.Add("pipeline-worker");
        foreach (var arg in workerArgs) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the worker process");
        var worker = new WorkerProcess(process);
        using var timeout = new CancellationTokenSource(startTimeout);
        var ready = await worker.ReadReplyAsync(timeout.Token);
        if (!ready.TryGetProperty("ready", out _)) throw new InvalidOperationException($"worker did not start: {ready}");
        return worker;
    }

    /// <summary>Sends one command and returns its answer.</summary>
    public async Task<JsonElement> SendAsync(string command, TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        using var cts = new CancellationTokenSource(timeout);
        var reply = await ReadReplyAsync(cts.Token);
        if (reply.TryGetProperty("error", out var error)) throw new InvalidOperationException($"worker: {error}");
        return reply;
    }

    private async Task<JsonElement> ReadReplyAsync(CancellationToken ct)
    {
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync(ct)
                ?? throw new InvalidOperationException($"worker {_process.Id} exited (code {(_process.HasExited ? _process.ExitCode : -1)})");
            // Anything else a library printed on stdout is passed on as progress.
            if (!line.StartsWith(PipelineWorker.ReplyPrefix, StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"   [worker] {line}");
                continue;
            }
            return JsonDocument.Parse(line[PipelineWorker.ReplyPrefix.Length..]).RootElement.Clone();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("quit");
                await _process.StandardInput.FlushAsync();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await _process.WaitForExitAsync(cts.Token); }
                catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); }
            }
        }
        catch (IOException)
        {
            // The worker already went away.
        }
        _process.Dispose();
    }
}
