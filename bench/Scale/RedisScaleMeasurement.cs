using System.Diagnostics;
using System.Globalization;
using ContactCenter.Stores.Redis;
using ContactCenter.Testing;
using StackExchange.Redis;

namespace ContactCenter.Bench.Scale;

/// <summary>What <see cref="RedisScaleMeasurement"/> found.</summary>
/// <param name="ClusterExact">Every agent on the 3-primary cluster ended with the newest state written to it.</param>
/// <param name="FailoverExact">A primary killed while its replica lagged: the lost acknowledged writes were reported by the
/// writer and, rewritten from the source log, the end state was exact.</param>
/// <param name="ReshardExact">Slots migrating under writes: no write refused, no fault, the end state exact.</param>
/// <param name="FenceWritesPerSecondCluster">Fenced writes per second on the cluster (best round).</param>
/// <param name="FenceWritesPerSecondSingle">The same workload on one redis-server, in the same run (best round).</param>
public sealed record RedisScaleResult(bool ClusterExact, bool FailoverExact, bool ReshardExact,
    double FenceWritesPerSecondCluster, double FenceWritesPerSecondSingle);

/// <summary>
/// The Redis half of <c>bench scale</c>: fenced agent-state writes through <see cref="FencedStateWriter"/> on a Redis
/// Cluster (3 primaries, one replica each) beside one redis-server, and the cluster's exactness through a primary
/// failover and a reshard under writes. The topologies come from scripts/redis-cluster.sh (Debian's redis-server).
/// </summary>
public static class RedisScaleMeasurement
{
    private const int Fields = 8;
    private const int Partitions = 6;

    public static async Task<RedisScaleResult> RunAsync(bool quick, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var writes = quick ? 60_000 : 400_000;
        var agents = quick ? 10_000 : 50_000;
        var rounds = quick ? 2 : 3;

        await using var single = await RedisTopologyProcess.StartSingleAsync();
        await using var cluster = await RedisTopologyProcess.StartClusterAsync();
        using var singleRedis = await RedisConnector.ConnectAsync($"127.0.0.1:{single.Primaries[0]}");
        using var clusterRedis = await RedisConnector.ConnectAsync(cluster.ClusterEndpoint);

        // Rate: rounds alternate between the two, the best of each counts; the cluster's last round is also checked exact.
        double singleRate = 0, clusterRate = 0;
        var clusterExact = true;
        for (var round = 0; round < rounds; round++)
        {
            var s = await FencedAsync(singleRedis, $"single{round}", writes, agents);
            var c = await FencedAsync(clusterRedis, $"cluster{round}", writes, agents);
            singleRate = Math.Max(singleRate, s.Rate);
            clusterRate = Math.Max(clusterRate, c.Rate);
            clusterExact &= await ExactAsync(clusterRedis, c.Model) == 0;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fence round {round + 1}: single {s.Rate:N0}/s, cluster {c.Rate:N0}/s ({c.Rate / s.Rate:0.00}x)"));
        }

        var failoverExact = await FailoverAsync(cluster, clusterRedis, agents / 4, log);
        var reshardExact = await ReshardAsync(cluster, clusterRedis, agents / 4, log);
        return new RedisScaleResult(clusterExact, failoverExact, reshardExact, Math.Round(clusterRate), Math.Round(singleRate));
    }

    private static KeyValuePair<string, string>[] State(int agent, long version) =>
        Enumerable.Range(0, Fields).Select(f => KeyValuePair.Create($"field{f}", f switch
        {
            0 => (version % 3) switch { 0 => "READY", 1 => "BUSY", _ => "AWAY" },
            1 => version.ToString(CultureInfo.InvariantCulture),
            _ => $"agent-{agent}-value-{f}",
        })).ToArray();

    /// <summary>Writes i = 0..n-1 to agent i % agents (one partition per agent, offsets rising); returns the rate and,
    /// per key, the version it must end with.</summary>
    private static async Task<(double Rate, Dictionary<string, long> Model)> FencedAsync(IConnectionMultiplexer redis, string ns, int writes, int agents)
    {
        var model = new Dictionary<string, long>(agents);
        var clock = Stopwatch.StartNew();
        await using (var writer = new FencedStateWriter(redis, ns))
        {
            for (var i = 0; i < writes; i++)
            {
                var agent = i % agents;
                var key = $"{ns}:agent:{agent}";
                await writer.WriteAsync(new AgentStateWrite(key, agent % Partitions, i, State(agent, i), i));
                model[key] = i;
            }
            await writer.FlushAsync();
        }
        return (writes / clock.Elapsed.TotalSeconds, model);
    }

    /// <summary>How many keys do not hold the version the model says (field1 is the version).</summary>
    private static async Task<int> ExactAsync(IConnectionMultiplexer redis, Dictionary<string, long> model)
    {
        var db = redis.GetDatabase();
        var wrong = 0;
        foreach (var chunk in model.Chunk(2_000))
        {
            var batch = db.CreateBatch();
            var reads = chunk.Select(kv => batch.HashGetAsync(kv.Key, "field1")).ToArray();
            batch.Execute();
            var values = await Task.WhenAll(reads);
            for (var i = 0; i < chunk.Length; i++)
            {
                if ((string?)values[i] != chunk[i].Value.ToString(CultureInfo.InvariantCulture))
                    wrong++;
            }
        }
        return wrong;
    }

    /// <summary>
    /// Writes rounds over <paramref name="agents"/> agents while one primary's replica is cut off and the primary killed,
    /// the replica taking over. The writer must report the partitions whose acknowledged progress was lost; those are then
    /// rewritten from the source log through the fence (what the stage's rebuild does from Kafka), and the end must be exact.
    /// </summary>
    private static async Task<bool> FailoverAsync(RedisTopologyProcess cluster, IConnectionMultiplexer redis, int agents, TextWriter log)
    {
        var ns = "failover";
        var source = new List<AgentStateWrite>();
        var lost = new HashSet<int>();
        var model = new Dictionary<string, long>();
        await using var writer = new FencedStateWriter(redis, ns);
        writer.ProgressLost += partitions => { lock (lost) lost.UnionWith(partitions); };
        writer.Acknowledged += batch => { lock (lost) lost.UnionWith(batch.Regressed); };
        long offset = 0;
        async Task WriteRoundAsync(Func<int, bool> which)
        {
            for (var agent = 0; agent < agents; agent++)
            {
                if (!which(agent)) continue;
                var key = $"{ns}:agent:{agent}";
                var write = new AgentStateWrite(key, agent % Partitions, offset, State(agent, offset), offset);
                source.Add(write);
                model[key] = offset++;
                await writer.WriteAsync(write);
            }
            await writer.FlushAsync();
        }

        await WriteRoundAsync(_ => true);
        var nodes = await RedisTopologyProcess.NodesAsync(cluster.Primaries[0]);
        var victim = nodes.First(n => n.IsPrimary && n.HasSlots);
        var replica = nodes.First(n => n.PrimaryId == victim.Id);
        await cluster.CutOffReplicaAsync(victim.Port, replica.Port);
        await WriteRoundAsync(a => a % 2 == 1); // acknowledged by the primary alone for its slots
        await cluster.KillAsync(victim.Port);
        await cluster.ResumeAsync(replica.Port);
        await RedisTopologyProcess.CliAsync("-p", replica.Port.ToString(CultureInfo.InvariantCulture), "cluster", "failover", "takeover");
        var clock = Stopwatch.StartNew();
        await WriteRoundAsync(a => a % 2 == 0); // writes continue on the new primary
        // The writer's check after the topology change reports the loss; give it the time a failover takes.
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            lock (lost) if (lost.Count > 0) break;
            await Task.Delay(100);
        }
        int[] rebuild;
        lock (lost) rebuild = lost.ToArray();
        foreach (var write in source.Where(w => rebuild.Contains(w.Partition)))
            await writer.WriteAsync(write);
        await writer.FlushAsync();
        var wrong = await ExactAsync(redis, model);
        log.WriteLine($"failover: partitions reported lost [{string.Join(",", rebuild.Order())}], {wrong} of {model.Count} keys wrong after the rewrite, {clock.Elapsed.TotalSeconds:0.0} s");
        return rebuild.Length > 0 && wrong == 0;
    }

    /// <summary>Writes while 1000 slots migrate from one primary to another: no write refused, the end exact.</summary>
    private static async Task<bool> ReshardAsync(RedisTopologyProcess cluster, IConnectionMultiplexer redis, int agents, TextWriter log)
    {
        var ns = "reshard";
        var model = new Dictionary<string, long>();
        var refused = 0;
        var faulted = false;
        await using var writer = new FencedStateWriter(redis, ns);
        writer.Acknowledged += batch => Interlocked.Add(ref refused, batch.Rejected.Count);
        writer.Faulted += _ => faulted = true;
        var live = (await RedisTopologyProcess.NodesAsync(cluster.Replicas[0])).Where(n => n.IsPrimary && n.HasSlots && !n.IsFailing).ToList();
        var reshard = RedisTopologyProcess.CliAsync("--cluster", "reshard", $"127.0.0.1:{live[0].Port}", "--cluster-from", live[0].Id,
            "--cluster-to", live[1].Id, "--cluster-slots", "1000", "--cluster-yes", "--cluster-pipeline", "10");
        long offset = 0;
        var rounds = 0;
        while (!reshard.IsCompleted || rounds < 2)
        {
            for (var agent = 0; agent < agents; agent++)
            {
                var key = $"{ns}:agent:{agent}";
                await writer.WriteAsync(new AgentStateWrite(key, agent % Partitions, offset, State(agent, offset), offset));
                model[key] = offset++;
            }
            rounds++;
        }
        await reshard;
        await writer.FlushAsync();
        var wrong = await ExactAsync(redis, model);
        log.WriteLine($"reshard: {rounds} rounds of {agents} agents while 1000 slots moved; {refused} refused, {wrong} wrong, faulted: {faulted}");
        return refused == 0 && wrong == 0 && !faulted;
    }
}
