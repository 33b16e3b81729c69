using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using ContactCenter.Processor.Kafka;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Processor.Operations.Migration;

/// <summary>
/// Runs a <see cref="MigrationPlan"/> (<c>contactcenter migrate --execute</c>): creates the new topics and sets the new
/// state stage's generation, runs the <see cref="TopicBridge"/>, watches the shadow stages (pods of the new topology,
/// started by the operator once the migration is shadowing) catch up, cuts over, and keeps bridging until producers have
/// switched. Every phase is recorded in Redis (<see cref="MigrationState"/>) before the next begins and the bridge resumes
/// from its own checkpoint, so a killed run is started again with the same command.
/// </summary>
internal sealed class MigrationRunner(MigrationPlan plan, KafkaClientSettings kafka, IConnectionMultiplexer redis, ITopicProvisioner provisioner,
    ILogger logger, MigrationOptions options)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Raised every <see cref="MigrationOptions.Interval"/>.</summary>
    public event Action<MigrationProgress>? Progress;

    /// <summary>Raised once the new topics exist and the new state stage's generation is set (also when resuming): from
    /// then on pods of the new topology may start.</summary>
    public event Action? Shadowing;

    /// <summary>Raised once when readers start seeing the new stages' writes.</summary>
    public event Action? CutOver;

    /// <summary>Runs (or resumes) the migration until it is done (or, without <see cref="MigrationOptions.DrainIdle"/>,
    /// cut over); returns the phase reached.</summary>
    public async Task<MigrationPhase> RunAsync(long generation, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var state = new MigrationState(db, plan.Id);
        var (phase, _, _, _) = await state.ReadAsync().ConfigureAwait(false);
        if (phase == MigrationPhase.Done)
            return phase;
        if (phase == MigrationPhase.None)
        {
            foreach (var topic in plan.Topics)
                await provisioner.EnsureTopicAsync(topic.Name, topic.Partitions, topic.Configs, ct).ConfigureAwait(false);
            // The generation before anything of the new stages can write: their writes change no hash until the cut-over.
            await StageGeneration.SetAsync(db, plan.New.State.Name, generation).ConfigureAwait(false);
            await state.BeginAsync(generation, plan.PartitionsBefore, plan.PartitionsAfter).ConfigureAwait(false);
            phase = MigrationPhase.Shadowing;
            logger.LogInformation("Migration {Id}: topics created, stage {Stage} writes as generation {Generation}; start the pods of the new topology",
                plan.Id, plan.New.State.Name, generation);
        }

        if (phase == MigrationPhase.Shadowing)
            Shadowing?.Invoke();
        var bridge = new TopicBridge(kafka, plan.Bridge, db, plan.Id, logger, options.BridgeBatch);
        using var stopBridge = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var bridging = bridge.RunAsync(stopBridge.Token);
        using var probe = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer(plan.New.Aggregate.ApplicationId)).Build();
        var clock = Stopwatch.StartNew();
        var caughtUp = 0;
        var idleSince = (TimeSpan?)null;
        long? lastProgress = null;
        var lastAt = TimeSpan.Zero;
        try
        {
            while (true)
            {
                await Task.WhenAny(bridging, Task.Delay(options.Interval, ct)).ConfigureAwait(false);
                ct.ThrowIfCancellationRequested();
                if (bridging.IsFaulted) await bridging.ConfigureAwait(false);

                var b = bridge.Progress;
                var aggregateLag = AggregateLag(probe);
                var (stateLag, applied) = await StateLagAsync(db, probe).ConfigureAwait(false);
                var now = clock.Elapsed;
                var rate = lastProgress is { } before && now > lastAt ? (applied - before) / (now - lastAt).TotalSeconds : 0;
                lastProgress = applied;
                lastAt = now;
                var report = new MigrationProgress(phase, now, b, aggregateLag, stateLag, Math.Max(0, rate),
                    rate > 0 && phase == MigrationPhase.Shadowing ? TimeSpan.FromSeconds(Math.Max(0, stateLag + aggregateLag + Math.Max(0, b.Lag) - options.MaxLag) / rate) : null);
                Progress?.Invoke(report);

                if (phase == MigrationPhase.Shadowing)
                {
                    caughtUp = b.Lag >= 0 && report.MaxLag <= options.MaxLag ? caughtUp + 1 : 0;
                    if (caughtUp >= 2)
                    {
                        await StageGeneration.CutOverAsync(db, plan.New.State.Name).ConfigureAwait(false);
                        await state.SetPhaseAsync(MigrationPhase.CutOver, "cutover").ConfigureAwait(false);
                        phase = MigrationPhase.CutOver;
                        logger.LogInformation("Migration {Id}: cut over; readers see stage {Stage}'s writes. Switch producers to the new topics", plan.Id, plan.New.State.Name);
                        CutOver?.Invoke();
                        if (options.DrainIdle is null)
                            return phase;
                    }
                }
                else if (options.DrainIdle is { } idle)
                {
                    idleSince = b.SourcesIdle ? idleSince ?? now : null;
                    if (idleSince is { } since && now - since >= idle)
                    {
                        await state.SetPhaseAsync(MigrationPhase.Done, "done").ConfigureAwait(false);
                        logger.LogInformation("Migration {Id}: done; the old sources stayed idle for {Idle} and the bridge copied everything", plan.Id, idle);
                        return MigrationPhase.Done;
                    }
                }
                else
                {
                    return phase;
                }
            }
        }
        finally
        {
            await stopBridge.CancelAsync().ConfigureAwait(false);
            try { await bridging.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
            catch (Exception error) when (ct.IsCancellationRequested) { logger.LogWarning(error, "The bridge stopped with an error while the migration stopped"); }
        }
    }

    /// <summary>The new aggregate stage's lag: ends of the new sources minus its group's committed offsets.</summary>
    private long AggregateLag(IConsumer<byte[]?, byte[]?> probe)
    {
        var partitions = plan.New.Aggregate.Sources.SelectMany(s => Enumerable.Range(0, s.Partitions).Select(p => new TopicPartition(s.Topic, p))).ToList();
        var committed = probe.Committed(partitions, Timeout).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
        long lag = 0;
        foreach (var tp in partitions)
        {
            var marks = probe.QueryWatermarkOffsets(tp, Timeout);
            var at = committed.TryGetValue(tp, out var c) && c >= 0 ? c : marks.Low.Value;
            lag += Math.Max(0, marks.High.Value - at);
        }
        return lag;
    }

    /// <summary>The new state stage's lag (end of its input minus its progress in Redis) and the sum of its progress.</summary>
    private async Task<(long Lag, long Progress)> StateLagAsync(IDatabase db, IConsumer<byte[]?, byte[]?> probe)
    {
        var input = plan.New.State.InputTopic;
        var count = plan.New.State.InputPartitions;
        var offsets = await ClusterSafe.GetAsync(db, Enumerable.Range(0, count) // one slot per key on a Redis Cluster
            .Select(p => FenceScript.OffsetsKey(RedisKeyspace.OffsetsPrefix, plan.New.State.Name, p)).ToArray()).ConfigureAwait(false);
        long lag = 0, progress = 0;
        for (var p = 0; p < count; p++)
        {
            var marks = probe.QueryWatermarkOffsets(new TopicPartition(input, p), Timeout);
            var next = offsets[p].HasValue ? long.Parse((string)offsets[p]!, NumberStyles.None, CultureInfo.InvariantCulture) + 1 : marks.Low.Value;
            progress += next;
            lag += Math.Max(0, marks.High.Value - next);
        }
        return (lag, progress);
    }
}
