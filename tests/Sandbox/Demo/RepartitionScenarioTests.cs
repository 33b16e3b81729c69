using System.Text.Json;
using ContactCenter.Tests.Support;
using Xunit;

namespace ContactCenter.Tests.Sandbox.Demo;

/// <summary><c>contactcenter demo --scenario repartition --json</c> as a user runs it: 6 -> 12 partitions under traffic,
/// a reader sampling every agent all along, Redis exact at the end and one JSON line with the documented fields.</summary>
[Trait("Kind", "Integration")]
public sealed class RepartitionScenarioTests
{
    // A reader sampling every agent all along never sees one go back or go missing: across generations the fence applies
    // a write only when no part of the held state is newer (docs/pipeline.md, "Generations").
    [Fact]
    public void Six_to_twelve_partitions_under_traffic_ends_exact_with_no_reader_regression_or_miss()
    {
        var (code, output) = CliRunner.Run("demo", "--scenario", "repartition", "--agents", "300", "--rate", "500", "--duration", "24s", "--json");
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, output);
        var summary = JsonDocument.Parse(line!).RootElement;
        Assert.Equal(["mismatches", "partitionsBefore", "partitionsAfter", "readerRegressions", "readerMissing", "migrationSeconds", "maxLagMs"],
            summary.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, summary.GetProperty("mismatches").GetInt32());
        Assert.Equal(6, summary.GetProperty("partitionsBefore").GetInt32());
        Assert.Equal(12, summary.GetProperty("partitionsAfter").GetInt32());
        Assert.Equal(0, summary.GetProperty("readerMissing").GetInt64());
        Assert.True(summary.GetProperty("migrationSeconds").GetDouble() > 0);
        Assert.True(summary.GetProperty("readerRegressions").GetInt64() == 0, output);
        Assert.True(code == 0, output);
    }

    [Fact]
    public void Stopping_migrate_and_the_new_pod_mid_way_resumes_and_still_ends_exact_with_no_reader_regression_or_miss()
    {
        var (code, output) = CliRunner.Run("demo", "--scenario", "repartition", "--agents", "300", "--rate", "500", "--duration", "24s", "--interrupt", "--json");
        Assert.Contains("migrate stopped mid-way", output);
        Assert.Contains("started again on an empty state folder", output);
        var summary = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal(0, summary.GetProperty("mismatches").GetInt32());
        Assert.Equal(0, summary.GetProperty("readerMissing").GetInt64());
        Assert.True(summary.GetProperty("readerRegressions").GetInt64() == 0, output);
        Assert.True(code == 0, output);
    }
}
