using System.CommandLine;
using System.Runtime.InteropServices;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Files;

namespace ContactCenter.Processor.Cli;

/// <summary>
/// <c>contactcenter run</c>: a pod. Hosts the stages of a topology against a Kafka cluster and a Redis until
/// SIGINT/SIGTERM, then stops gracefully (flushes Redis writes, commits their offsets). Prints <c>ready</c> on
/// stdout once every stage has joined its group and the state stage has read its snapshot offsets. A stage that
/// cannot go on is logged at once; the pod prints <c>not ready: ...</c> and exits 1 so that its supervisor
/// (Kubernetes) restarts it instead of leaving a pod that looks alive and does nothing.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var topology = new Option<string>("--topology") { Description = "Topology file to run.", DefaultValueFactory = _ => "topologies/agent-state.yaml" };
        var bootstrap = new Option<string>("--bootstrap-servers") { Description = "Kafka bootstrap servers (host:port,...).", Required = true };
        var redis = new Option<string>("--redis") { Description = "Redis endpoint (host:port).", Required = true };
        var store = new Option<StoreKind>("--store") { Description = "Aggregate store: faster, rocksdb or memory.", DefaultValueFactory = _ => StoreKind.Faster };
        var stateDir = new Option<string?>("--state-dir") { Description = "Local state (stores, checkpoints); default: a folder per topology under the temp directory." };
        var stages = new Option<PipelineHost.Stages>("--stages") { Description = "Which stages this pod runs: All, Aggregate or State.", DefaultValueFactory = _ => PipelineHost.Stages.All };
        var createTopics = new Option<bool>("--create-topics") { Description = "Create missing topics through the Admin API (not supported by the embedded mock broker).", DefaultValueFactory = _ => true };

        var snapshotDir = new Option<string?>("--snapshot-dir") { Description = "Snapshot files of the state stage: the newest is loaded when Redis is found empty (then only the tail is replayed)." };
        var snapshotEvery = new Option<TimeSpan?>("--snapshot-every")
        {
            Description = "Write a snapshot file to --snapshot-dir this often (e.g. 10m), keeping the newest three.",
            CustomParser = result => DurationParser.Parse(result),
        };
        var command = new Command("run", "Run the stages of a topology as a pod until Ctrl-C or SIGTERM.")
        {
            topology, bootstrap, redis, store, stateDir, stages, createTopics, snapshotDir, snapshotEvery,
        };
        command.SetAction(async (parse, ct) =>
        {
            var topologyPath = TopologyFiles.Resolve(parse.GetValue(topology)!);
            if (parse.GetValue(stateDir) is { } requestedDir && OutputGuard.Check("--state-dir", requestedDir, [topologyPath]) is { } refused)
            {
                parse.InvocationConfiguration.Error.WriteLine(refused);
                return 2;
            }
            var loaded = TopologyLoader.Load(topologyPath);
            foreach (var diagnostic in loaded.Diagnostics)
                Console.Error.WriteLine(diagnostic);
            if (loaded.Spec is not { } spec)
                return 2;

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                // Signal handlers run on their own thread and may run after this action returned and disposed 'stop'
                // (System.CommandLine handles SIGTERM too): an exception here would abort the process (exit 134).
                try { stop.Cancel(); } catch (ObjectDisposedException) { }
            });
            var bootstrapServers = parse.GetValue(bootstrap)!;
            var dir = parse.GetValue(stateDir) ?? Path.Combine(Path.GetTempPath(), "contactcenter-state", spec.Name);
            Directory.CreateDirectory(dir);
            using var connection = await RedisConnector.ConnectAsync(parse.GetValue(redis)!);
            var supplier = AggregateStores.Create(parse.GetValue(store), spec.Aggregate.StoreName, AggregateStoreOptions.For(dir));

            using var logs = Logs.Create();
            await using var host = new PipelineHost(spec, logs)
            {
                SnapshotDirectory = parse.GetValue(snapshotDir),
                SnapshotEvery = parse.GetValue(snapshotEvery),
            };
            var provisioner = parse.GetValue(createTopics) ? new AdminTopicProvisioner(bootstrapServers) : null;
            await host.StartAsync(bootstrapServers, provisioner, connection, supplier, dir, stop.Token, parse.GetValue(stages));
            Console.Out.WriteLine("ready");
            await Console.Out.FlushAsync(CancellationToken.None);
            var stopped = Task.Delay(Timeout.Infinite, stop.Token);
            if (await Task.WhenAny(stopped, host.Health.Failure) == host.Health.Failure)
            {
                Console.Out.WriteLine($"not ready: {await host.Health.Failure}");
                await Console.Out.FlushAsync(CancellationToken.None);
                return 1;
            }
            Console.Error.WriteLine("stopping: flushing Redis writes and committing offsets");
            return 0;
        });
        return command;
    }
}
