using System.Net;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;
using ContactCenter.Topology.Spec;
using Xunit.Abstractions;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>
/// What an operator relies on beyond the happy path, each with real <c>run</c> processes: a pod with nothing to do
/// says so (log, /readyz body, metric) instead of idling silently; a password-protected Redis is reached with the
/// password from a file, and the password never appears in anything the pod prints or serves.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(PodProcessCollection.Name)]
public sealed class PodOperationsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-podops-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task A_pod_with_no_partition_reports_itself_idle_in_its_log_readyz_and_metrics()
    {
        using var broker = LibrdkafkaMockCluster.Start(1);
        await using var redisServer = await RedisServerProcess.StartAsync();
        // One partition everywhere: two state-stage pods, one of which cannot get any.
        var file = Path.Combine(_dir, "one-partition.yaml");
        File.WriteAllText(file, File.ReadAllText(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml")).Replace("partitions: 6", "partitions: 1", StringComparison.Ordinal));
        var spec = TopologyLoader.Load(file).Spec ?? throw new InvalidOperationException("the one-partition topology does not load");
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);

        string[] Args(string name) => ["--topology", file, "--bootstrap-servers", broker.BootstrapServers, "--redis", redisServer.Endpoint,
            "--create-topics", "false", "--stages", "State", "--state-dir", Path.Combine(_dir, name)];
        using var first = PodProcess.Start(_dir, null, Args("a"));
        using var second = PodProcess.Start(_dir, null, Args("b"));
        try
        {
            await first.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            await second.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var urls = new[] { await first.UrlAsync(TimeSpan.FromSeconds(1)), await second.UrlAsync(TimeSpan.FromSeconds(1)) };

            // After the group settles exactly one pod owns the partition; the other is ready but idle and says so.
            string[] bodies = [];
            double[] idle = [];
            await PodProcessTests.WaitUntilAsync(async () =>
            {
                bodies = await Task.WhenAll(urls.Select(async u => (await _http.GetStringAsync(u + "/readyz")).Trim()));
                idle = await Task.WhenAll(urls.Select(async u => Metrics.Parse(await _http.GetStringAsync(u + "/metrics")).Sum("cc_pod_idle")));
                return bodies.Count(b => b.Contains("idle", StringComparison.Ordinal)) == 1 && idle.Sum() == 1;
            }, TimeSpan.FromSeconds(60), "exactly one of two pods on one partition reports itself idle");
            output.WriteLine(string.Join("\n", bodies));
            var idlePod = idle[0] == 1 ? first : second;
            Assert.All(urls, u => Assert.Equal(HttpStatusCode.OK, _http.GetAsync(u + "/readyz").Result.StatusCode));
            Assert.Contains(bodies, b => b.StartsWith("ready: idle, no partitions assigned", StringComparison.Ordinal));
            Assert.Equal(0, Metrics.Parse(await _http.GetStringAsync(urls[idle[0] == 1 ? 0 : 1] + "/metrics")).Sum("cc_assigned_partitions"));
            // The log says it when the pod starts idle; a pod that lost its partition later is seen in /readyz and the metric.
            if (idlePod == second)
                Assert.Contains(second.Stderr, l => l.Contains("no partition assigned", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine(first.Output);
            output.WriteLine(second.Output);
        }
    }

    [Fact]
    public async Task A_pod_reaches_a_password_protected_Redis_and_never_shows_the_password()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        using var broker = LibrdkafkaMockCluster.Start(1);
        await using var redisServer = await RedisServerProcess.StartAsync("--requirepass", password);
        var file = Path.Combine(_dir, "agent-state.yaml");
        File.Copy(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"), file);
        var spec = TopologyLoader.Load(file).Spec!;
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);
        var secretFile = Path.Combine(_dir, "redis-password");
        File.WriteAllText(secretFile, password + "\n");

        string[] args = ["--topology", file, "--bootstrap-servers", broker.BootstrapServers, "--redis", redisServer.Endpoint,
            "--create-topics", "false", "--state-dir", Path.Combine(_dir, "state")];
        using var pod = PodProcess.Start(_dir, new Dictionary<string, string> { ["CC__Redis__PasswordFile"] = secretFile }, args);
        var served = new List<string>();
        try
        {
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var url = await pod.UrlAsync(TimeSpan.FromSeconds(1));
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
            await PodProcess.ProduceAsync(producer, spec, new AgentSimulation(agents: 20, seed: 5), 100);
            using var redis = await RedisConnector.ConnectAsync($"{redisServer.Endpoint},password={password}");
            await PodProcessTests.WaitUntilAsync(async () => (await RedisStateReader.ReadOffsetsAsync(redis.GetDatabase(), spec.State.Name)).Count > 0,
                TimeSpan.FromSeconds(60), "the pod writes to the password-protected Redis");
            served.Add(await _http.GetStringAsync(url + "/readyz"));
            served.Add(await _http.GetStringAsync(url + "/healthz"));
            served.Add(await _http.GetStringAsync(url + "/metrics"));
            Assert.StartsWith("ready", served[0], StringComparison.Ordinal);
            pod.Signal(PodProcess.SigTerm);
            Assert.True(await pod.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, pod.ExitCode);
        }
        finally
        {
            output.WriteLine(pod.Output);
        }
        Assert.DoesNotContain(pod.Stdout.Concat(pod.Stderr).Concat(served), line => line.Contains(password, StringComparison.Ordinal));
        Assert.Contains(pod.Stderr, line => line.Contains("password set", StringComparison.Ordinal));

        // A wrong password: the pod cannot start, exits non-zero, and shows neither password.
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        using var refused = PodProcess.Start(_dir, new Dictionary<string, string> { ["CC__Redis__Password"] = wrong }, args);
        Assert.True(await refused.WaitForExitAsync(TimeSpan.FromSeconds(90)), refused.Output);
        output.WriteLine(refused.Output);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.DoesNotContain(refused.Stdout.Concat(refused.Stderr), line => line.Contains(password, StringComparison.Ordinal) || line.Contains(wrong, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_pod_reaches_Redis_over_TLS_trusting_the_configured_CA()
    {
        // A private CA and a server certificate for 127.0.0.1, made with openssl.
        var ca = Path.Combine(_dir, "ca.pem");
        var caKey = Path.Combine(_dir, "ca.key");
        var cert = Path.Combine(_dir, "redis.pem");
        var key = Path.Combine(_dir, "redis.key");
        var csr = Path.Combine(_dir, "redis.csr");
        var ext = Path.Combine(_dir, "san.ext");
        File.WriteAllText(ext, "subjectAltName=IP:127.0.0.1\n");
        await OpenSslAsync("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", ca, "-days", "1", "-subj", "/CN=cc-test-ca");
        await OpenSslAsync("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1");
        await OpenSslAsync("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out", cert, "-days", "1", "-extfile", ext);

        var password = "tls-pw-" + Guid.NewGuid().ToString("N");
        var tlsPort = FreePort();
        using var broker = LibrdkafkaMockCluster.Start(1);
        // The plain port stays for the test's own checks; the pod uses only the TLS port.
        await using var redisServer = await RedisServerProcess.StartAsync("--requirepass", password,
            "--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", ca, "--tls-auth-clients", "no");
        var topology = Path.Combine(_dir, "agent-state.yaml");
        File.Copy(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"), topology);
        var spec = TopologyLoader.Load(topology).Spec!;
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);

        using var pod = PodProcess.Start(_dir, new Dictionary<string, string>
            {
                ["CC__Redis__Tls"] = "true",
                ["CC__Redis__CaFile"] = ca,
                ["CC__Redis__Password"] = password,
            },
            "--topology", topology, "--bootstrap-servers", broker.BootstrapServers, "--redis", $"127.0.0.1:{tlsPort}",
            "--create-topics", "false", "--state-dir", Path.Combine(_dir, "state"));
        try
        {
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build();
            await PodProcess.ProduceAsync(producer, spec, new AgentSimulation(agents: 20, seed: 9), 100);
            using var redis = await RedisConnector.ConnectAsync($"{redisServer.Endpoint},password={password}");
            await PodProcessTests.WaitUntilAsync(async () => (await RedisStateReader.ReadOffsetsAsync(redis.GetDatabase(), spec.State.Name)).Count > 0,
                TimeSpan.FromSeconds(60), "the pod writes to Redis over TLS");
            Assert.StartsWith("ready", await _http.GetStringAsync(await pod.UrlAsync(TimeSpan.FromSeconds(1)) + "/readyz"), StringComparison.Ordinal);
            Assert.Contains(pod.Stderr, l => l.Contains("TLS True", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine(pod.Output);
        }
        Assert.DoesNotContain(pod.Stdout.Concat(pod.Stderr), l => l.Contains(password, StringComparison.Ordinal));
    }

    private static async Task OpenSslAsync(params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', args)}: {await error}");
    }

    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_pod_behind_on_its_partitions_is_not_ready_until_it_caught_up()
    {
        using var broker = LibrdkafkaMockCluster.Start(1);
        await using var redisServer = await RedisServerProcess.StartAsync();
        var file = Path.Combine(_dir, "agent-state.yaml");
        File.Copy(Path.Combine(RepoPaths.Root(), "topologies", "agent-state.yaml"), file);
        var spec = TopologyLoader.Load(file).Spec!;
        await PipelineHost.ProvisionTopicsAsync(spec, new MockTopicProvisioner(broker), CancellationToken.None);
        // A backlog before the pod starts: ~1,600 records per source partition, far over --max-lag 100.
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(broker.BootstrapServers)).Build())
            await PodProcess.ProduceAsync(producer, spec, new AgentSimulation(agents: 500, seed: 11), 30_000);

        using var pod = PodProcess.Start(_dir, new Dictionary<string, string> { ["CC__Readiness__LagInterval"] = "00:00:00.200" },
            "--topology", file, "--bootstrap-servers", broker.BootstrapServers, "--redis", redisServer.Endpoint, "--create-topics", "false",
            "--stages", "Aggregate", "--max-lag", "100", "--state-dir", Path.Combine(_dir, "state"));
        try
        {
            await pod.WaitForReadyAsync(TimeSpan.FromSeconds(90));
            var url = await pod.UrlAsync(TimeSpan.FromSeconds(1));
            // Joined, but nothing committed yet (the stage commits every second): not ready, and why.
            using var behind = await _http.GetAsync(url + "/readyz");
            var reason = await behind.Content.ReadAsStringAsync();
            output.WriteLine(reason);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, behind.StatusCode);
            Assert.Matches(@"^not ready: stage agent-aggregate lags \d+ records on .+\[\d\] \(Readiness:MaxLag 100\)", reason);
            await PodProcessTests.WaitUntilAsync(async () => (await _http.GetAsync(url + "/readyz")).StatusCode == HttpStatusCode.OK,
                TimeSpan.FromSeconds(60), "ready once the backlog is processed and committed");
        }
        finally
        {
            output.WriteLine(pod.Output);
        }
    }

    [Fact]
    public async Task The_demo_serves_the_pod_endpoints_while_it_runs_and_prints_their_URL()
    {
        var info = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root(),
        };
        foreach (var arg in new[] { PodProcess.Dll(), "demo", "--duration", "8s", "--rate", "200", "--agents", "50", "--http-port", "0" })
            info.ArgumentList.Add(arg);
        using var demo = System.Diagnostics.Process.Start(info)!;
        var stderr = demo.StandardError.ReadToEndAsync();
        try
        {
            string? url = null;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await demo.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                output.WriteLine(line);
                if (!line.StartsWith("endpoints ", StringComparison.Ordinal)) continue;
                url = line.Split(' ')[1];
                Assert.Matches(@"^endpoints http://127\.0\.0\.1:\d+ \(/healthz /readyz /metrics\)$", line);
                break;
            }
            Assert.NotNull(url);
            await PodProcessTests.WaitUntilAsync(async () =>
                Metrics.Parse(await _http.GetStringAsync(url + "/metrics")).Sum("cc_process_total", "stage=\"agent-state\"") > 0,
                TimeSpan.FromSeconds(20), "the demo's state stage shows processed records on /metrics");
            Assert.StartsWith("ready", await _http.GetStringAsync(url + "/readyz"), StringComparison.Ordinal);
            Assert.Equal("ok\n", await _http.GetStringAsync(url + "/healthz"));
            output.WriteLine(await demo.StandardOutput.ReadToEndAsync(timeout.Token));
            await demo.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, demo.ExitCode);
        }
        finally
        {
            if (!demo.HasExited) demo.Kill(entireProcessTree: true);
            output.WriteLine(await stderr);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Tests that start pod processes run one at a time: each pod, broker and Redis takes a share of the machine.</summary>
[CollectionDefinition(Name)]
public sealed class PodProcessCollection
{
    public const string Name = "Pod processes";
}
