using System.Diagnostics;
using System.Globalization;
using System.Net;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using StackExchange.Redis;
using Xunit.Abstractions;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>
/// The issue's "done when": the embedded broker, a real redis-server and a <c>run</c> pod as a separate process.
/// /readyz answers 200 after <c>ready</c>; /metrics has lag, end-to-end latency and writer metrics that move when traffic
/// flows; stopping Redis turns /readyz non-200 within 5 s and back when it returns; SIGTERM (sent twice) exits 0 within
/// the grace period with every offset Redis acknowledged committed; a stage forced into a fatal error exits non-zero.
/// </summary>
[Trait("Kind", "ProcessKill")]
[Collection(PodProcessCollection.Name)]
public sealed class PodProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-pod-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task A_pod_is_ready_serves_moving_metrics_follows_Redis_and_drains_on_SIGTERM()
    {
        using var broker = LibrdkafkaMockCluster.Start(1);
        await using var redisServer = await RedisServerProcess.StartAsync();
        var (spec, topologyFile) = Topology();
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);

        using var pod = PodProcess.Start(_dir, null, "--topology", topologyFile, "--bootstrap-servers", broker.BootstrapServers,
            "--redis", redisServer.Endpoint, "--create-topics", "false", "--state-dir", Path.Combine(_dir, "state"),
            "--grace-period", $"{Grace.TotalSeconds}s");
        try
        {
            var url = await pod.UrlAsync(TimeSpan.FromSeconds(60));
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var (readyCode, readyBody) = await GetAsync(url + "/readyz");
            Assert.True(readyCode == HttpStatusCode.OK, readyBody);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(url + "/healthz")).Code);

            var before = Metrics.Parse((await GetAsync(url + "/metrics")).Body);
            Assert.True(before.Has("cc_consumer_lag"), "consumer lag is exported");

            using var redis = await RedisConnector.ConnectAsync(redisServer.Endpoint);
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
            var simulation = new AgentSimulation(agents: 200, seed: 7);
            await PodProcess.ProduceAsync(producer, spec, simulation, 2000);
            await WaitUntilAsync(async () => Metrics.Parse((await GetAsync(url + "/metrics")).Body).Sum("cc_process_total", "stage=\"agent-state\"") >= 200,
                TimeSpan.FromSeconds(60), "the state stage processed records");
            await Task.Delay(500);
            var after = Metrics.Parse((await GetAsync(url + "/metrics")).Body);
            output.WriteLine(string.Join("\n", after.Lines.Where(l => l.StartsWith("cc_", StringComparison.Ordinal) && !l.Contains("_bucket", StringComparison.Ordinal))));
            Assert.True(after.Sum("cc_record_e2e_latency_milliseconds_count") > before.Sum("cc_record_e2e_latency_milliseconds_count"), "e2e latency samples grow");
            Assert.True(after.Sum("cc_writer_batch_latency_milliseconds_count") > before.Sum("cc_writer_batch_latency_milliseconds_count"), "writer batch latency samples grow");
            Assert.True(after.Sum("cc_records_total", "outcome=\"applied\"") > before.Sum("cc_records_total", "outcome=\"applied\""), "applied records grow");
            Assert.True(after.Has("cc_writer_queue_depth"), "writer queue depth is exported");
            Assert.True(after.Sum("cc_assigned_partitions") >= 12, "both stages own their 6 partitions");
            await WaitUntilAsync(async () => Metrics.Parse((await GetAsync(url + "/metrics")).Body).Sum("cc_consumer_lag", "stage=\"agent-aggregate\"") == 0,
                TimeSpan.FromSeconds(30), "the aggregate stage's committed lag returns to 0");

            // Redis away: not ready within 5 s, with the reason; back: ready again.
            await redisServer.StopAsync();
            var down = Stopwatch.StartNew();
            await WaitUntilAsync(async () => (await GetAsync(url + "/readyz")).Code != HttpStatusCode.OK, TimeSpan.FromSeconds(5), "/readyz turns non-200 within 5 s of Redis stopping");
            output.WriteLine($"/readyz non-200 {down.ElapsedMilliseconds} ms after Redis stopped: {(await GetAsync(url + "/readyz")).Body.Trim()}");
            Assert.Contains("Redis", (await GetAsync(url + "/readyz")).Body);
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(url + "/healthz")).Code);
            await redisServer.RestartAsync();
            var up = Stopwatch.StartNew();
            await WaitUntilAsync(async () => (await GetAsync(url + "/readyz")).Code == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "/readyz returns to 200 once Redis is back");
            output.WriteLine($"/readyz 200 again {up.ElapsedMilliseconds} ms after Redis restarted");

            // Traffic in flight, then SIGTERM twice: the pod drains and exits 0 within the grace period.
            using var redisAgain = await RedisConnector.ConnectAsync(redisServer.Endpoint);
            var burst = PodProcess.ProduceAsync(producer, spec, simulation, 3000);
            await WaitUntilAsync(async () => (await RedisStateReader.ReadOffsetsAsync(redisAgain.GetDatabase(), spec.State.Name)).Count > 0,
                TimeSpan.FromSeconds(30), "writes reach the restarted Redis");
            var stopping = Stopwatch.StartNew();
            pod.Signal(PodProcess.SigTerm);
            await Task.Delay(50);
            if (!pod.HasExited) pod.Signal(PodProcess.SigTerm);
            Assert.True(await pod.WaitForExitAsync(Grace + TimeSpan.FromSeconds(5)), $"the pod did not exit within the grace period\n{pod.Output}");
            output.WriteLine($"exit {pod.ExitCode} {stopping.ElapsedMilliseconds} ms after SIGTERM");
            Assert.True(pod.ExitCode == 0, $"exit code {pod.ExitCode}\n{pod.Output}");
            Assert.True(stopping.Elapsed < Grace, $"stopped after {stopping.Elapsed}");
            await burst;

            // Every offset Redis acknowledged is committed: the group's offset is Redis's recorded offset + 1.
            var acknowledged = await RedisStateReader.ReadOffsetsAsync(redisAgain.GetDatabase(), spec.State.Name);
            var committed = await CommittedAsync(broker.BootstrapServers, spec.State.GroupId, spec.State.InputTopic, spec.State.InputPartitions);
            Assert.NotEmpty(acknowledged);
            foreach (var (partition, offset) in acknowledged)
                Assert.True(committed[partition] == offset + 1, $"partition {partition}: Redis acknowledged {offset}, committed {committed[partition]}");
        }
        finally
        {
            output.WriteLine(pod.Output);
        }
    }

    [Fact]
    public async Task A_stage_in_a_fatal_error_makes_the_pod_exit_non_zero()
    {
        using var broker = LibrdkafkaMockCluster.Start(1);
        await using var redisServer = await RedisServerProcess.StartAsync();
        var (spec, topologyFile) = Topology();
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);
        using var pod = PodProcess.Start(_dir, null, "--topology", topologyFile, "--bootstrap-servers", broker.BootstrapServers,
            "--redis", redisServer.Endpoint, "--create-topics", "false", "--state-dir", Path.Combine(_dir, "state"));
        try
        {
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var url = await pod.UrlAsync(TimeSpan.FromSeconds(1));
            // Redis refuses every write for a reason retrying cannot fix: out of memory under noeviction.
            await using (var admin = await ConnectionMultiplexer.ConnectAsync(redisServer.Endpoint + ",allowAdmin=true"))
            {
                var server = admin.GetServer(admin.GetEndPoints()[0]);
                await server.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
                await server.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
            }
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
            await PodProcess.ProduceAsync(producer, spec, new AgentSimulation(agents: 10, seed: 3), 20);

            Assert.True(await pod.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"the pod did not exit\n{pod.Output}");
            Assert.True(pod.ExitCode != 0, pod.Output);
            Assert.Contains(pod.Stdout, line => line.StartsWith("not ready: stage agent-state stopped", StringComparison.Ordinal));
            Assert.Contains(pod.Stderr, line => line.Contains("crit:", StringComparison.Ordinal) && line.Contains("agent-state", StringComparison.Ordinal));
            _ = url;
        }
        finally
        {
            output.WriteLine(pod.Output);
        }
    }

    /// <summary>With the cluster gone, /readyz says not ready (naming it) once Readiness:BrokerUnreachableAfter has passed.</summary>
    [Fact]
    public async Task A_pod_whose_broker_is_gone_is_not_ready_after_the_bound()
    {
        var broker = LibrdkafkaMockCluster.Start(1);
        await using var redisServer = await RedisServerProcess.StartAsync();
        var (spec, topologyFile) = Topology();
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);
        using var pod = PodProcess.Start(_dir, new Dictionary<string, string> { ["CC__Readiness__BrokerUnreachableAfter"] = "00:00:03", ["CC__Readiness__LagInterval"] = "00:00:00.500" },
            "--topology", topologyFile, "--bootstrap-servers", broker.BootstrapServers,
            "--redis", redisServer.Endpoint, "--create-topics", "false", "--state-dir", Path.Combine(_dir, "state"), "--grace-period", "5s");
        try
        {
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var url = await pod.UrlAsync(TimeSpan.FromSeconds(1));
            await WaitUntilAsync(async () => (await GetAsync(url + "/readyz")).Code == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "ready with the broker up");
            var gone = Stopwatch.StartNew();
            broker.Dispose();
            await WaitUntilAsync(async () => (await GetAsync(url + "/readyz")).Code != HttpStatusCode.OK, TimeSpan.FromSeconds(30), "not ready without a broker");
            var (_, body) = await GetAsync(url + "/readyz");
            output.WriteLine($"not ready {gone.ElapsedMilliseconds} ms after the broker went: {body}");
            Assert.Contains("Kafka cluster has not answered", body);
            // The bound counts from the cluster's last answer, up to one read interval (0.5 s) before the kill.
            Assert.InRange(gone.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        }
        finally
        {
            broker.Dispose();
            output.WriteLine(pod.Output);
        }
    }

    public enum Outage { RedisStopped, RedisPaused, BrokerKilled }

    /// <summary>
    /// Whatever is down while records are in flight (Redis refusing connections, Redis hung by SIGSTOP, the broker
    /// killed), SIGTERM ends the pod within its grace period with exit 0: each stage's stop has its share of the grace
    /// period and leaves behind (logged) what waits for the missing piece; nothing is lost, as unacknowledged or
    /// uncommitted records are redelivered and fenced.
    /// </summary>
    [Theory]
    [InlineData(Outage.RedisStopped)]
    [InlineData(Outage.RedisPaused)]
    [InlineData(Outage.BrokerKilled)]
    public async Task SIGTERM_with_a_piece_down_exits_0_within_the_grace_period(Outage outage)
    {
        var broker = LibrdkafkaMockCluster.Start(1);
        await using var redisServer = await RedisServerProcess.StartAsync();
        var (spec, topologyFile) = Topology();
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);
        var grace = TimeSpan.FromSeconds(6);
        using var pod = PodProcess.Start(_dir, null, "--topology", topologyFile, "--bootstrap-servers", broker.BootstrapServers,
            "--redis", redisServer.Endpoint, "--create-topics", "false", "--state-dir", Path.Combine(_dir, "state"),
            "--grace-period", $"{grace.TotalSeconds}s");
        var redisPid = redisServer.ProcessId;
        try
        {
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var url = await pod.UrlAsync(TimeSpan.FromSeconds(1));
            using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build())
            {
                if (outage == Outage.RedisStopped) await redisServer.StopAsync();
                if (outage == Outage.RedisPaused) Assert.Equal(0, Kill(redisPid, SigStop));
                await PodProcess.ProduceAsync(producer, spec, new AgentSimulation(agents: 50, seed: 13), 500);
            }
            if (outage == Outage.BrokerKilled)
            {
                // The aggregate stage has work in hand and commits to make when the broker goes.
                await WaitUntilAsync(async () => Metrics.Parse((await GetAsync(url + "/metrics")).Body).Sum("cc_process_total") > 0,
                    TimeSpan.FromSeconds(30), "records in the stages");
                broker.Dispose();
                await Task.Delay(1000);
            }
            else
            {
                await WaitUntilAsync(async () => Metrics.Parse((await GetAsync(url + "/metrics")).Body).Sum("cc_writer_queue_depth") > 0,
                    TimeSpan.FromSeconds(30), "writes wait for Redis");
            }

            var stopping = Stopwatch.StartNew();
            pod.Signal(PodProcess.SigTerm);
            Assert.True(await pod.WaitForExitAsync(grace + TimeSpan.FromSeconds(20)), $"the pod did not exit near its grace period\n{pod.Output}");
            output.WriteLine($"{outage}: exit {pod.ExitCode} {stopping.ElapsedMilliseconds} ms after SIGTERM (grace {grace.TotalSeconds} s)");
            Assert.True(pod.ExitCode == 0, $"exit {pod.ExitCode}\n{pod.Output}");
            Assert.True(stopping.Elapsed < grace, $"stopped after {stopping.Elapsed}, grace {grace}\n{pod.Output}");
            if (outage == Outage.BrokerKilled)
            {
                // Every Kafka client's own lines reach the log through the logger, each kind once per interval: none
                // written by librdkafka itself (lines starting with %), and the refused connections (a retry per client
                // every few tens of ms) a few lines, not hundreds.
                Assert.DoesNotContain(pod.Stderr, line => line.StartsWith('%'));
                var refused = pod.Stderr.Count(line => line.Contains("Connection refused", StringComparison.Ordinal));
                Assert.True(refused < 40, $"{refused} lines about refused connections\n{pod.Output}");
                Assert.DoesNotContain(pod.Stderr, line => line.Contains("   at ", StringComparison.Ordinal));
            }
        }
        finally
        {
            if (outage == Outage.RedisPaused) Kill(redisPid, SigCont);
            broker.Dispose();
            output.WriteLine(pod.Output);
        }
    }

    private const int SigStop = 19;
    private const int SigCont = 18;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private (ContactCenter.Topology.Spec.PipelineSpec Spec, string File) Topology()
    {
        var file = Path.Combine(_dir, "agent-state.yaml");
        File.Copy(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"), file, overwrite: true);
        return (TopologyLoader.Load(file).Spec!, file);
    }

    private async Task<(HttpStatusCode Code, string Body)> GetAsync(string url)
    {
        try
        {
            using var response = await _http.GetAsync(url);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            return (0, error.Message);
        }
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"timed out after {timeout}: {what}");
            await Task.Delay(100);
        }
    }

    private static async Task<Dictionary<int, long>> CommittedAsync(string bootstrap, string group, string topic, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        var result = await admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(group, Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToList())]);
        return result.SelectMany(r => r.Partitions).ToDictionary(p => p.Partition.Value, p => p.Offset.Value);
    }

    public void Dispose()
    {
        _http.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Prometheus text exposition, read line by line (enough for tests).</summary>
internal sealed class Metrics
{
    private Metrics(IReadOnlyList<string> lines) => Lines = lines;

    public IReadOnlyList<string> Lines { get; }

    public static Metrics Parse(string text) =>
        new(text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray());

    public bool Has(string name) => Lines.Any(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal));

    /// <summary>Sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    public double Sum(string name, string? label = null) => Lines
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
        .Where(l => label is null || l.Contains(label, StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
