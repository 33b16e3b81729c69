using System.Text.Json;
using ContactCenter.Tests.Support;
using Xunit;

namespace ContactCenter.Tests.Sandbox.Demo;

/// <summary><c>contactcenter demo --redis-cluster 3</c> as a user runs it: the demo starts a 3-primary Redis Cluster with a
/// replica each, runs the agent pipeline on it and ends with its usual exactness check; without redis-server it says so
/// in one line.</summary>
[Trait("Kind", "Integration")]
public sealed class DemoOnRedisClusterTests
{
    [Fact]
    public async Task The_demo_on_a_local_3_primary_cluster_ends_exact()
    {
        var run = await CliProcess.RunAsync(TimeSpan.FromMinutes(3), null,
            "demo", "--redis-cluster", "3", "--duration", "6s", "--rate", "300", "--agents", "200", "--http-port", "0", "--json");
        Assert.True(run.Code == 0, run.ToString());
        Assert.Contains("redis cluster: 3 primaries with one replica each", run.Stderr);
        var summary = JsonDocument.Parse(run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;
        Assert.Equal(0, summary.GetProperty("mismatches").GetInt32());
        Assert.True(summary.GetProperty("redisAgents").GetInt32() > 150, run.ToString());
        Assert.Equal(summary.GetProperty("liveAgents").GetInt32(), summary.GetProperty("redisAgents").GetInt32());
    }

    [Fact]
    public async Task Without_redis_server_the_demo_says_what_to_install_in_one_line()
    {
        var empty = Directory.CreateTempSubdirectory("cc-no-redis-").FullName;
        try
        {
            var run = await CliProcess.RunAsync(TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["PATH"] = empty },
                "demo", "--redis-cluster", "3", "--duration", "2s");
            Assert.Equal(1, run.Code);
            var line = Assert.Single(run.ErrorLines);
            Assert.StartsWith("demo: redis-server is not installed", line);
            Assert.Contains("apt-get install redis-server", line);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
