using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContactCenter.Testing;
using ContactCenter.Tests.Support;
using Xunit;

namespace ContactCenter.Tests.Sandbox.Demo;

/// <summary><c>contactcenter demo --scenario repartition --redis CLUSTER --json</c> on a Redis Cluster of its own (3
/// primaries, one replica each, real redis-server): the generation's cut-over key lives in another slot than the agents'
/// hashes, the state stages record their progress per slot, and the reader reads each hash with its tombstone (named into
/// the hash's slot) in one MULTI. 6 -> 12 partitions under traffic ends exact, with no read that saw an agent go back or
/// go missing.</summary>
[Trait("Kind", "Integration")]
public sealed class RepartitionOnClusterTests
{
    [Fact]
    public async Task Six_to_twelve_partitions_on_a_Redis_Cluster_ends_exact_with_no_reader_regression_or_miss()
    {
        await using var cluster = await RedisTopologyProcess.StartClusterAsync();
        var (code, output) = CliRunner.Run("demo", "--scenario", "repartition", "--redis", cluster.ClusterEndpoint,
            "--agents", "300", "--rate", "500", "--duration", "24s", "--json");
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, output);
        var summary = JsonDocument.Parse(line!).RootElement;
        Assert.Equal(0, summary.GetProperty("mismatches").GetInt32());
        Assert.Equal(12, summary.GetProperty("partitionsAfter").GetInt32());
        Assert.True(summary.GetProperty("readerRegressions").GetInt64() == 0, output);
        Assert.True(summary.GetProperty("readerMissing").GetInt64() == 0, output);
        Assert.True(code == 0, output);
        // The reader really read all along (a read refused by the cluster would count as nothing seen).
        var reads = Regex.Matches(output, @"reader ([\d,]+) reads").Select(m => long.Parse(m.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture)).LastOrDefault();
        Assert.True(reads > 10_000, output);
    }
}
