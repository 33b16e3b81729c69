using System.Diagnostics;
using Confluent.Kafka;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Kafka;
using ContactCenter.Processor.Operations.Migration;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using ContactCenter.Sandbox.Kafka;
using ContactCenter.Sandbox.Redis;
using ContactCenter.Sandbox.Simulation;

namespace ContactCenter.Sandbox.Demo;

/// <summary>Settings of <c>demo --scenario repartition</c>.</summary>
internal sealed record RepartitionOptions
{
    public int Agents { get; init; } = 1000;
    public int Rate { get; init; } = 1000;

    /// <summary>How long traffic runs in all; the migration starts after a quarter of it.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(40);
    public string? Redis { get; init; }
    public StoreKind Store { get; init; } = StoreKind.Faster;
    public int Seed { get; init; } = 42;
    public BrokerKind Broker { get; init; } = LocalKafka.DefaultKind;
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Stops <c>migrate</c> and the new stages' pod once each while the shadow catches up, and starts both again
    /// (the pod with an empty state folder, as on another node): the migration must resume and still end exact.</summary>
    public bool InterruptMidway { get; init; }
}

/// <summary>The one JSON line <c>demo --scenario repartition --json</c> ends with.</summary>
internal sealed record RepartitionSummary(int Mismatches, int PartitionsBefore, int PartitionsAfter, long ReaderRegressions, long ReaderMissing,
    double MigrationSeconds, long MaxLagMs)
{
    public long Events { get; init; }
    public long ReaderReads { get; init; }
    public long BridgeCopied { get; init; }
    public IReadOnlyList<string> Samples { get; init; } = [];
}

/// <summary>
/// The pipeline of OLD under traffic, migrated to NEW (more partitions) while it runs: <see cref="MigrationRunner"/> with
/// its bridge, the new topology's stages started as shadows once the migration is shadowing, producers switched to the
/// new topics after the cut-over (one source at a time), the old stages stopped once the migration is done; a
/// <see cref="ReaderSampler"/> reads every agent all along. Ends with Redis checked against the simulation.
/// </summary>
internal sealed class RepartitionScenario(RepartitionOptions options, TextWriter progress)
{
    private readonly TextWriter _progress = TextWriter.Synchronized(progress);
    private long _produced;
    private long _maxLagMs;

    public async Task<RepartitionSummary> RunAsync(PipelineSpec old, PipelineSpec @new, CancellationToken ct)
    {
        var plan = MigrationPlan.Create(old, @new);
        if (plan.Refusals.Count > 0)
            throw new InvalidOperationException("the migration cannot start: " + string.Join("; ", plan.Refusals));
        using var broker = LocalKafka.Start(options.Broker, 1);
        using var garnet = options.Redis is null ? EmbeddedGarnet.Start() : null;
        var endpoint = options.Redis ?? garnet!.Endpoint;
        _progress.WriteLine($"broker {broker.BootstrapServers}; redis {endpoint}; {plan.PartitionsBefore} -> {plan.PartitionsAfter} partitions");
        using var redis = await RedisConnector.ConnectAsync(endpoint);
        using var logs = Logs.Create(LogLevel.Warning, LogLevel.Error);
        var stateDir = Path.Combine(Path.GetTempPath(), "contactcenter-repartition", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(stateDir);
        var kafka = broker.ClientSettings("repartition-demo");
        PipelineHost? oldPipeline = new(old, logs);
        PipelineHost? newPipeline = null;
        try
        {
            await oldPipeline.StartAsync(kafka, broker.Provisioner, redis,
                AggregateStores.Create(options.Store, old.Aggregate.StoreName, AggregateStoreOptions.For(Path.Combine(stateDir, "old"))), Path.Combine(stateDir, "old"), ct);
            oldPipeline.State.Acknowledged += RecordLag;
            _progress.WriteLine($"pipeline {old.Name} running");

            var simulation = new AgentSimulation(options.Agents, options.Seed);
            var history = new StateHistory(old);
            var keys = simulation.Agents.Select(a => (a.Id, old.State.KeyPattern.Replace("{key}", a.Id, StringComparison.Ordinal))).ToList();
            var reader = new ReaderSampler(redis, keys, history);
            using var stopReader = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var reading = reader.RunAsync(stopReader.Token);

            // Which topic each source's producer writes to: the old ones until it switches.
            var topics = old.Aggregate.Sources.ToDictionary(s => s.Name, s => (s.Topic, s.OpHeader));
            using var stopTraffic = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var traffic = Task.Run(() => Produce(broker.BootstrapServers, simulation, history, topics, stopTraffic.Token), ct);

            await Task.Delay(options.Duration / 4, ct);
            var migrationClock = Stopwatch.StartNew();
            var cutOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var shadowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var kill = CancellationTokenSource.CreateLinkedTokenSource(ct);
            Task<MigrationPhase> Migrate(CancellationToken token)
            {
                var runner = new MigrationRunner(plan, kafka, redis, broker.Provisioner, logs.CreateLogger("ContactCenter.Migrate"),
                    new MigrationOptions { MaxLag = 1000, DrainIdle = TimeSpan.FromSeconds(3) });
                runner.Shadowing += () => shadowing.TrySetResult();
                runner.CutOver += () => cutOver.TrySetResult();
                runner.Progress += p => _progress.WriteLine(ProgressLine(p, reader.Summary));
                return runner.RunAsync(1, token);
            }
            async Task<PipelineHost> StartNewPods(string folder)
            {
                var pods = new PipelineHost(@new, logs);
                await pods.StartAsync(kafka, broker.Provisioner, redis,
                    AggregateStores.Create(options.Store, @new.Aggregate.StoreName, AggregateStoreOptions.For(Path.Combine(stateDir, folder))), Path.Combine(stateDir, folder), ct);
                pods.State.Acknowledged += RecordLag;
                return pods;
            }
            _progress.WriteLine($"migration {plan.Id} starts under traffic");
            var migrating = Migrate(kill.Token);
            await Task.WhenAny(shadowing.Task, migrating);
            if (migrating.IsFaulted) await migrating;
            newPipeline = await StartNewPods("new");
            _progress.WriteLine($"shadow stages of {@new.Name} running (generation 1: no hash changes until the cut-over)");
            if (options.InterruptMidway)
            {
                await kill.CancelAsync();
                try { await migrating; } catch (OperationCanceledException) { }
                kill.Dispose();
                _progress.WriteLine($"migrate stopped mid-way ({(cutOver.Task.IsCompleted ? "after" : "before")} the cut-over); started again");
                migrating = Migrate(ct);
                await newPipeline.DisposeAsync();
                newPipeline = await StartNewPods("new-2");
                _progress.WriteLine("the new stages' pod stopped mid-way; started again on an empty state folder");
            }

            await Task.WhenAny(cutOver.Task, migrating);
            if (migrating.IsFaulted) await migrating;
            _progress.WriteLine($"cut over after {migrationClock.Elapsed.TotalSeconds:F1} s; producers switch to the new topics, one source a second");
            foreach (var source in @new.Aggregate.Sources)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                lock (topics) topics[source.Name] = (source.Topic, source.OpHeader);
                _progress.WriteLine($"producers of '{source.Name}' write to {source.Topic}");
            }
            var phase = await migrating;
            var migrationSeconds = migrationClock.Elapsed.TotalSeconds;
            _progress.WriteLine($"migration {plan.Id} {phase} after {migrationSeconds:F1} s; the old stages stop");
            await oldPipeline.DisposeAsync();
            oldPipeline = null;

            await traffic.WaitAsync(ct);
            var expected = simulation.Agents.ToDictionary(a => a.Id, a => ExpectedState.For(a, @new));
            var (mismatches, samples) = await SettleAsync(@new, expected, redis, ct);
            await stopReader.CancelAsync();
            try { await reading; } catch (OperationCanceledException) { }
            var read = reader.Summary;
            return new RepartitionSummary(mismatches, plan.PartitionsBefore, plan.PartitionsAfter, read.Regressions, read.Missing,
                Math.Round(migrationSeconds, 1), Interlocked.Read(ref _maxLagMs))
            {
                Events = Interlocked.Read(ref _produced),
                ReaderReads = read.Reads,
                Samples = samples.Concat(read.Samples).ToList(),
            };
        }
        finally
        {
            if (newPipeline is not null) await newPipeline.DisposeAsync();
            if (oldPipeline is not null) await oldPipeline.DisposeAsync();
            try { Directory.Delete(stateDir, recursive: true); }
            catch (IOException) { /* best effort */ }
        }
    }

    private static string ProgressLine(MigrationProgress p, ReaderSummary read) =>
        $"[{p.Elapsed.TotalSeconds,4:F0}s] {p.Phase,-9} bridge {p.Bridge.Copied,8:N0} copied ({p.Bridge.RecordsPerSecond,6:F0}/s, lag {Math.Max(0, p.Bridge.Lag),6:N0})  " +
        $"aggregate lag {p.AggregateLag,6:N0}  state lag {p.StateLag,6:N0}  ETA {(p.Eta is { } eta ? $"{eta.TotalSeconds:F0}s" : "-"),4}  " +
        $"reader {read.Reads:N0} reads, {read.Regressions} regressions, {read.Missing} missing";

    /// <summary>Worst delay, over both state stages, from a source event to Redis applying the state it made.</summary>
    private void RecordLag(BatchAcknowledged batch)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var write in batch.AppliedWrites)
        {
            var lag = now - write.SourceTimestampMs;
            long seen;
            while (lag > (seen = Interlocked.Read(ref _maxLagMs)) && Interlocked.CompareExchange(ref _maxLagMs, lag, seen) != seen) { }
        }
    }

    private void Produce(string bootstrap, AgentSimulation simulation, StateHistory history, Dictionary<string, (string Topic, string OpHeader)> topics, CancellationToken ct)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClientDefaults.Producer(bootstrap)).Build();
        string? failure = null;
        var clock = Stopwatch.StartNew();
        long sent = 0, lastMs = 0;
        while (clock.Elapsed < options.Duration && !ct.IsCancellationRequested)
        {
            var due = (long)(clock.Elapsed.TotalSeconds * options.Rate);
            while (sent < due)
            {
                sent++;
                // Event times strictly increase: the fence orders one agent's states across generations by them.
                var nowMs = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), lastMs + 1);
                lastMs = nowMs;
                var ev = simulation.Next(nowMs);
                history.Record(ev); // before it can reach Redis
                (string Topic, string OpHeader) target;
                lock (topics) target = topics[ev.Source];
                producer.Produce(target.Topic, ExpectedState.ToMessage(ev, target.OpHeader), r => { if (r.Error.IsError) failure ??= r.Error.Reason; });
                Interlocked.Increment(ref _produced);
            }
            Thread.Sleep(1);
        }
        producer.Flush(TimeSpan.FromSeconds(30));
        if (failure is not null)
            throw new InvalidOperationException("a record could not be produced: " + failure);
    }

    private async Task<(int Mismatches, List<string> Samples)> SettleAsync(PipelineSpec spec, IReadOnlyDictionary<string, Dictionary<string, string>?> expected,
        IConnectionMultiplexer redis, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var (mismatches, samples) = await ExpectedState.CompareAsync(spec, expected, redis);
            if (mismatches == 0 || deadline.Elapsed > options.SettleTimeout)
                return (mismatches, samples);
            _progress.WriteLine($"settling: {mismatches} agents differ from the expected state");
            await Task.Delay(500, ct);
        }
    }
}
