using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// `micro`: BenchmarkDotNet point Get/Put per store kind (<see cref="StorePointOps"/>) and the merge stage's own
/// per-record work (<see cref="MergeStepOps"/>). Runs in process
/// (no child project build, which a shared 2-core box makes slow) with a short job; extra arguments go to
/// BenchmarkDotNet (e.g. <c>--filter *Get*</c>).
/// </summary>
internal static class MicroCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableLogFile);
        var summaries = BenchmarkRunner.Run([typeof(StorePointOps), typeof(MergeStepOps)], config, [.. args]);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
