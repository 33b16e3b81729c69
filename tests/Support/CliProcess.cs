using System.Diagnostics;

namespace ContactCenter.Tests.Support;

/// <summary>What a <c>contactcenter</c> process printed and how it ended.</summary>
internal sealed record CliOutcome(int Code, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The non-empty lines the process wrote to stderr.</summary>
    public IReadOnlyList<string> ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {Code} after {Elapsed.TotalSeconds:F1} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs the built CLI as its own process (<c>dotnet contactcenter.dll VERB ...</c>), as an operator runs it: its own
/// environment (so <c>CC__...</c> variables do not leak into other tests), its own stderr (librdkafka writes there
/// directly), killed when it outlives <paramref name="timeout"/>.
/// </summary>
internal static class CliProcess
{
    public static async Task<CliOutcome> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "contactcenter.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project must reference the Cli project");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root(),
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        // Nothing of the test runner's own CC__ settings may reach the verb.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("CC__", StringComparison.OrdinalIgnoreCase)).ToList()) info.Environment.Remove(key);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new CliOutcome(-1, await stdout, await stderr + $"\n(killed after {timeout.TotalSeconds:0} s)", clock.Elapsed);
        }
        return new CliOutcome(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }
}
