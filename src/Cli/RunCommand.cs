using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using ContactCenter.Processor.Feed;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Topology.Files;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Cli;

/// <summary>
/// <c>contactcenter run</c>: a pod. Hosts the stages of a topology against a Kafka cluster and a Redis on the generic
/// host (ASP.NET Core minimal hosting) until SIGTERM or SIGINT, serving <c>/healthz</c>, <c>/readyz</c> and
/// <c>/metrics</c> on <c>--http-port</c>. Prints <c>ready</c> on stdout once every stage has joined its group and the
/// state stage has read its snapshot offsets. On SIGTERM it drains within the grace period (the stages flush their
/// Redis writes and commit their offsets) and exits 0; a drain that does not finish in time exits 1. A stage that
/// cannot go on is logged at once; the pod prints <c>not ready: ...</c> and exits 1 so that its supervisor
/// (Kubernetes) restarts it instead of leaving a pod that looks alive and does nothing.
/// </summary>
/// <remarks>
/// Configuration, later wins: <c>appsettings.json</c> in the working directory (or <c>--config FILE</c>), environment
/// variables <c>CC__Section__Key</c>, then the flags below. System.CommandLine's own termination handling is off for
/// this verb (Program.cs): its 2 s timeout would end a longer drain with exit 143; the host's console lifetime handles
/// the signals instead.
/// </remarks>
internal static class RunCommand
{
    public const string Name = "run";

    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "JSON settings file (default: appsettings.json in the working directory, when present)." };
        var topology = new Option<string?>("--topology") { Description = "Topology file to run (Topology; default topologies/agent-state.yaml)." };
        var bootstrap = new Option<string?>("--bootstrap-servers") { Description = "Kafka bootstrap servers host:port,... (Kafka:BootstrapServers)." };
        var redis = new Option<string?>("--redis") { Description = "Redis endpoint host:port (Redis:Endpoint)." };
        var store = new Option<StoreKind?>("--store") { Description = "Aggregate store: faster, rocksdb or memory (Store)." };
        var stateDir = new Option<string?>("--state-dir") { Description = "Local state (stores, checkpoints) (StateDir); default: a folder per topology under the temp directory." };
        var stages = new Option<PipelineHost.Stages?>("--stages") { Description = "Which stages this pod runs: All, Aggregate, State, Queue (the queue stages) or Workers (the worker pools); several as \"Aggregate, State\" in CC__Stages (Stages)." };
        var createTopics = new Option<bool?>("--create-topics") { Description = "Create missing topics through the Admin API (CreateTopics; not supported by the embedded mock broker)." };
        var httpPort = new Option<int?>("--http-port") { Description = "Port of /healthz, /readyz and /metrics (Http:Port; default 8080, 0 = any free port)." };
        var grace = new Option<TimeSpan?>("--grace-period")
        {
            Description = "How long a stop may take to drain, e.g. 25s (Shutdown:GracePeriod).",
            CustomParser = r => DurationParser.Parse(r),
        };
        var maxLag = new Option<long?>("--max-lag") { Description = "Not ready while an owned partition lags more records than this (Readiness:MaxLag; default 10000)." };
        var instanceId = new Option<string?>("--group-instance-id") { Description = "Static membership id of the state stage's consumer (Kafka:GroupInstanceId), e.g. the pod name." };
        var snapshotDir = new Option<string?>("--snapshot-dir") { Description = "Snapshot files of the state stage: the newest is loaded when Redis is found empty, then only the tail is replayed (Snapshots:Directory)." };
        var snapshotEvery = new Option<TimeSpan?>("--snapshot-every")
        {
            Description = "Write a snapshot file to --snapshot-dir this often, e.g. 10m, keeping the newest three (Snapshots:Every).",
            CustomParser = r => DurationParser.Parse(r),
        };

        var command = new Command(Name, "Run the stages of a topology as a pod until SIGTERM or Ctrl-C, with health, readiness and metrics endpoints.")
        {
            config, topology, bootstrap, redis, store, stateDir, stages, createTopics, httpPort, grace, maxLag, instanceId, snapshotDir, snapshotEvery,
        };
        command.SetAction(async (parse, _) =>
        {
            var flags = new Dictionary<string, string?>();
            void Flag(string key, object? value)
            {
                if (value is not null)
                    flags[key] = value is TimeSpan span ? span.ToString("c", CultureInfo.InvariantCulture) : Convert.ToString(value, CultureInfo.InvariantCulture);
            }
            Flag("Topology", parse.GetValue(topology));
            Flag("Kafka:BootstrapServers", parse.GetValue(bootstrap));
            Flag("Redis:Endpoint", parse.GetValue(redis));
            Flag("Store", parse.GetValue(store));
            Flag("StateDir", parse.GetValue(stateDir));
            Flag("Stages", parse.GetValue(stages));
            Flag("CreateTopics", parse.GetValue(createTopics));
            Flag("Http:Port", parse.GetValue(httpPort));
            Flag("Shutdown:GracePeriod", parse.GetValue(grace));
            Flag("Readiness:MaxLag", parse.GetValue(maxLag));
            Flag("Kafka:GroupInstanceId", parse.GetValue(instanceId));
            Flag("Snapshots:Directory", parse.GetValue(snapshotDir));
            Flag("Snapshots:Every", parse.GetValue(snapshotEvery));

            PodOptions options;
            try
            {
                options = PodConfiguration.Bind(parse.GetValue(config), Environment.GetEnvironmentVariables(), flags);
            }
            catch (Exception error) when (error is InvalidOperationException or FormatException or FileNotFoundException or InvalidDataException)
            {
                Console.Error.WriteLine($"configuration: {error.Message}");
                return 2;
            }
            var problems = options.Problems();
            foreach (var problem in problems)
                Console.Error.WriteLine($"configuration: {problem}");
            if (problems.Count > 0)
                return 2;

            var topologyPath = TopologyFiles.Resolve(options.Topology, Console.Error);
            if (options.StateDir is { } requestedDir && OutputGuard.Check("--state-dir", requestedDir, [topologyPath]) is { } refused)
            {
                parse.InvocationConfiguration.Error.WriteLine(refused);
                return 2;
            }
            var loaded = TopologyLoader.Load(topologyPath);
            foreach (var diagnostic in loaded.Diagnostics)
                Console.Error.WriteLine(diagnostic);
            if (loaded.Spec is not { } spec)
                return 2;

            KafkaClientSettings kafka;
            try
            {
                kafka = options.Kafka.ToClientSettings();
            }
            catch (FormatException error)
            {
                Console.Error.WriteLine($"configuration: {error.Message}");
                return 2;
            }
            return await RunPodAsync(options, kafka, spec, loaded.Model is { } model ? TopologyDiagram.Svg(model) : "");
        });
        return command;
    }

    private static async Task<int> RunPodAsync(PodOptions options, KafkaClientSettings kafka, Topology.Spec.PipelineSpec spec, string topologySvg)
    {
        PodHost host;
        try
        {
            host = await PodHost.StartAsync(options, kafka, spec, topologySvg);
        }
        catch (Exception error) when (error is IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"could not start the pod's HTTP endpoints on port {options.Http.Port}: {error.Message}");
            return 1;
        }
        await using var _ = host;
        var pod = host.Pod;
        var logger = host.Logs.CreateLogger("ContactCenter.Pod");
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Stopping.Register(() => stopping.TrySetResult());
        await Out($"endpoints {host.BaseUrl} ({PodWeb.Healthz} {PodWeb.Readyz} {PodWeb.Metrics})");
        await Out($"page {host.BaseUrl}{PodDashboard.Page} (live agents: {AgentStreamEndpoint.Path})");

        var failure = pod.Pipeline.Health.Failure;
        if (await Task.WhenAny(pod.Started, failure, stopping.Task) == pod.Started)
            await Out("ready");
        var exit = 0;
        if (await Task.WhenAny(failure, stopping.Task) == failure)
        {
            await Out($"not ready: {await failure}");
            exit = 1;
        }
        else
        {
            logger.LogInformation("Stopping: draining the stages within {Grace} (Redis writes flushed, offsets committed)", options.Shutdown.GracePeriod);
        }

        await host.StopAsync();
        // From here on the host no longer listens for signals: a repeated SIGTERM while the process exits is ignored
        // instead of ending it with 143 (or reaching a disposed handler).
        using var late = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = true);
        if (exit == 0 && failure.IsCompleted)
        {
            await Out($"not ready: {await failure}");
            exit = 1;
        }
        if (exit == 0 && !pod.DrainedCleanly)
            exit = 1;
        if (exit == 0)
            logger.LogInformation("Stopped: every acknowledged Redis write has its offset committed");
        return exit;
    }

    private static async Task Out(string line)
    {
        Console.Out.WriteLine(line);
        await Console.Out.FlushAsync(CancellationToken.None);
    }
}
