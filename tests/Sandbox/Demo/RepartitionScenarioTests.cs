using System.Text.Json;
using ContactCenter.Tests.Support;
using Xunit;

namespace ContactCenter.Tests.Sandbox.Demo;

/// <summary><c>contactcenter demo --scenario repartition --json</c> as a user runs it: 6 -> 12 partitions under traffic,
/// a reader sampling every agent all along, Redis exact at the end and one JSON line with the documented fields.</summary>
[Trait("Kind", "Integration")]
public sealed class RepartitionScenarioTests
{
    [Fact]
    public void Six_to_twelve_partitions_under_traffic_ends_exact_with_no_reader_regression_or_miss()
    {
        var (code, output) = CliRunner.Run("demo", "--scenario", "repartition", "--agents", "300", "--rate", "500", "--duration", "24s", "--json");
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        var summary = JsonDocument.Parse(last).RootElement;
        Assert.True(code == 0, output);
        Assert.Equal(["mismatches", "partitionsBefore", "partitionsAfter", "readerRegressions", "readerMissing", "migrationSeconds", "maxLagMs"],
            summary.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, summary.GetProperty("mismatches").GetInt32());
        Assert.Equal(6, summary.GetProperty("partitionsBefore").GetInt32());
        Assert.Equal(12, summary.GetProperty("partitionsAfter").GetInt32());
        Assert.Equal(0, summary.GetProperty("readerRegressions").GetInt64());
        Assert.Equal(0, summary.GetProperty("readerMissing").GetInt64());
        Assert.True(summary.GetProperty("migrationSeconds").GetDouble() > 0);
    }

    [Fact]
    public void Stopping_migrate_and_the_new_pod_mid_way_resumes_and_still_ends_exact_with_no_agent_missing()
    {
        var (_, output) = CliRunner.Run("demo", "--scenario", "repartition", "--agents", "300", "--rate", "500", "--duration", "24s", "--interrupt", "--json");
        Assert.Contains("migrate stopped mid-way", output);
        Assert.Contains("started again on an empty state folder", output);
        var summary = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal(0, summary.GetProperty("mismatches").GetInt32());
        Assert.Equal(0, summary.GetProperty("readerMissing").GetInt64());
        // readerRegressions is not asserted here: under an interruption on a loaded machine the timestamp-ordered fence
        // let a few reads see one part one version back right after the cut-over (docs/migrate.md, "Limits").
    }
}
