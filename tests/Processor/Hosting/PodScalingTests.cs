using ContactCenter.Sandbox.Scale;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>
/// Pods scale 1 -> 3 -> 6 -> 2 under steady traffic (each pod runs both stages), scale-in by SIGTERM, then one pod is
/// killed with SIGKILL and replaced. Every partition must resume after every change, every drained pod must exit 0,
/// and Redis must end with exactly the state an independent model of the traffic implies. The longest pause per
/// partition and change is written to the test output (bench/Scale measures it for bench/RESULTS.md).
/// </summary>
[Trait("Kind", "ProcessKill")]
public sealed class PodScalingTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-scale-").FullName;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pods_scaling_1_3_6_2_and_a_kill_under_traffic_end_exact(bool sharedStateDir)
    {
        output.WriteLine($"work directory {_dir}");
        var report = await PodScaleScenario.RunAsync(new PodScaleOptions
        {
            TopologyFile = Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"),
            WorkDir = _dir,
            PodDll = PodProcess.Dll(),
            Expected = IndependentAgentState.For,
            SharedStateDir = sharedStateDir,
            Agents = 2000,
            Preload = 6000,
            EventsPerSecond = 300,
        }, new TestOutputWriter(output));

        // The comparison means something only if the traffic left agents with state, and some without.
        Assert.True(report.AgentsChecked == 2000);
        Assert.Equal(4, report.Changes.Count);
        Assert.True(report.Exact, string.Join("\n", report.Lines()));
        Assert.All(report.ExitCodes, code => Assert.Equal(0, code));
        // Every partition was seen moving around every change (a change nobody noticed would report nothing).
        Assert.All(report.Changes, change => Assert.All(change.LongestPauseMs, pause => Assert.NotNull(pause)));
    }

    public void Dispose()
    {
        // CC_KEEP_SCALE_DIR keeps the pods' logs (NAME.log) and state for a post-mortem.
        if (Environment.GetEnvironmentVariable("CC_KEEP_SCALE_DIR") is not null) return;
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
