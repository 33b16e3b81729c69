using System.Diagnostics;
using System.Text.Json;
using ContactCenter.Tests.Processor.Hosting;
using Xunit;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Sandbox.Demo;

/// <summary><c>contactcenter demo --json</c> (a process, as a user runs it) counts its agents by tenant and status and
/// checks the counts against the simulated truth, also when Redis loses everything halfway (the counts are rebuilt with
/// the hashes).</summary>
[Trait("Kind", "Integration")]
public sealed class DemoCountsTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("none")]
    [InlineData("redis-loss")]
    public async Task The_demo_ends_with_counts_equal_to_the_simulated_truth(string chaos)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root(),
        };
        foreach (var arg in new[] { PodProcess.Dll(), "demo", "--agents", "300", "--rate", "500", "--duration", "8s", "--chaos", chaos, "--http-port", "0", "--json" })
            info.ArgumentList.Add(arg);
        using var demo = Process.Start(info)!;
        var stderr = demo.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stdout = await demo.StandardOutput.ReadToEndAsync(timeout.Token);
        await demo.WaitForExitAsync(timeout.Token);
        output.WriteLine(await stderr);
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, stdout);
        var summary = JsonDocument.Parse(line!).RootElement;
        Assert.Equal(0, summary.GetProperty("countMismatches").GetInt32());
        Assert.Empty(summary.GetProperty("countMismatchSamples").EnumerateArray());
        // The check compared something: every live agent of the simulation has a tenant and a status.
        Assert.True(summary.GetProperty("liveAgents").GetInt32() > 0, line);
        Assert.Equal(summary.GetProperty("liveAgents").GetInt32(), summary.GetProperty("countedAgents").GetInt64());
        Assert.True(demo.ExitCode == 0, line);
    }
}
