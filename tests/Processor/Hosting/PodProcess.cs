using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>
/// <c>contactcenter run</c> as a separate process, the way an operator starts it:
/// <c>dotnet src/Cli/bin/Release/net10.0/contactcenter.dll run ...</c>. Collects its stdout and stderr lines and
/// knows the base URL of its endpoints (it listens on a free port: <c>--http-port 0</c>).
/// </summary>
internal sealed partial class PodProcess : IDisposable
{
    public const int SigTerm = 15;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<string> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PodProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            _stdout.Enqueue(line);
            if (line.StartsWith("endpoints ", StringComparison.Ordinal)) _url.TrySetResult(line.Split(' ')[1]);
            if (line == "ready") _ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) _stderr.Enqueue(line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static string Dll()
    {
        var built = Path.Combine(RepoPaths.Root(), "src", "Cli", "bin", "Release", "net10.0", "contactcenter.dll");
        return File.Exists(built) ? built : Path.Combine(AppContext.BaseDirectory, "contactcenter.dll");
    }

    /// <summary>Starts <c>run</c> with <paramref name="args"/> plus <c>--http-port 0</c>, in <paramref name="workDir"/>,
    /// with extra environment variables.</summary>
    public static PodProcess Start(string workDir, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        info.ArgumentList.Add(Dll());
        info.ArgumentList.Add("run");
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.ArgumentList.Add("--http-port");
        info.ArgumentList.Add("0");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        return new PodProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the pod"));
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Stdout => _stdout.ToArray();

    public IReadOnlyList<string> Stderr => _stderr.ToArray();

    public string Output => "stdout:\n" + string.Join("\n", Stdout) + "\nstderr:\n" + string.Join("\n", Stderr.TakeLast(60));

    public async Task<string> UrlAsync(TimeSpan timeout) => await _url.Task.WaitAsync(timeout);

    public async Task WaitForReadyAsync(TimeSpan timeout)
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_ready.Task, exited).WaitAsync(timeout);
        if (first != _ready.Task)
            throw new InvalidOperationException($"the pod exited ({_process.ExitCode}) before it was ready\n{Output}");
    }

    /// <summary>Waits for the exit; false when it did not exit within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            // Let the redirected streams reach their end.
            _process.WaitForExit();
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public void Signal(int signal) => Assert.Equal(0, Kill(_process.Id, signal));

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    /// <summary>Produces <paramref name="count"/> simulated events to the topology's sources and waits for their acks.</summary>
    /// <summary>Starts any verb of the CLI (<paramref name="args"/> as given) in <paramref name="workDir"/>.</summary>
    public static PodProcess StartCli(string workDir, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        info.ArgumentList.Add(Dll());
        foreach (var arg in args) info.ArgumentList.Add(arg);
        return new PodProcess(Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI"));
    }

    public static async Task ProduceAsync(IProducer<byte[]?, byte[]?> producer, PipelineSpec spec, AgentSimulation simulation, int count)
    {
        var topics = spec.Aggregate.Sources.ToDictionary(s => s.Name, s => s.Topic);
        var pending = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var ev = simulation.Next(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            pending.Add(producer.ProduceAsync(topics[ev.Source], new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes(ev.Event.AgentId),
                Value = EventSerde.Serialize(ev.Event),
                Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(ev.Op) } },
            }));
        }
        await Task.WhenAll(pending);
    }
}
