using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ContactCenter.Processor.Kafka;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// Consumer lag of each stage's group, per input partition: the log end offset minus the group's committed offset
/// (what Kafka's <c>kafka-consumer-groups --describe</c> shows as LAG, and what the Kafka Streams metric
/// <c>consumer-lag</c> measures from the committed side). Read from the cluster every interval on a thread of its own,
/// so that the stages' consumers are never touched. Partitions without a committed offset count from the log start.
/// </summary>
internal sealed class LagMonitor : IAsyncDisposable
{
    /// <summary>One consumer group to watch.</summary>
    public sealed record Group(string Stage, string GroupId, IReadOnlyList<(string Topic, int Partitions)> Topics);

    private readonly KafkaClientSettings _kafka;
    private readonly IReadOnlyList<Group> _groups;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string Stage, string Topic, int Partition), long> _lag = new();
    private Task? _loop;
    private int _disposed;

    public LagMonitor(KafkaClientSettings kafka, IReadOnlyList<Group> groups, TimeSpan interval, ILogger logger)
    {
        _kafka = kafka;
        _groups = groups;
        _interval = interval;
        _logger = logger;
    }

    /// <summary>The last lag read, per stage, topic and partition (empty until the first read).</summary>
    public IReadOnlyDictionary<(string Stage, string Topic, int Partition), long> Lag => _lag;

    /// <summary>When the last complete read finished (null before it).</summary>
    public DateTimeOffset? LastRead { get; private set; }

    /// <summary>When the monitor started reading (the reference while no read has completed yet).</summary>
    public DateTimeOffset Started { get; private set; } = DateTimeOffset.UtcNow;

    public void Start()
    {
        if (_loop is not null) return;
        Started = DateTimeOffset.UtcNow;
        _loop = Task.Factory.StartNew(Loop, TaskCreationOptions.LongRunning).Unwrap();
    }

    private async Task Loop()
    {
        var clientLog = new KafkaClientLog(_logger);
        using var admin = new AdminClientBuilder(_kafka.Admin("lag-monitor")).LogTo(clientLog).Build();
        var config = _kafka.Consumer("cc-lag-monitor-unused", "lag-monitor");
        // Never subscribes: only asks for log end offsets.
        using var ends = new ConsumerBuilder<Ignore, Ignore>(config).LogTo(clientLog).Build();
        var failures = new ContactCenter.Processor.Logging.IntervalLog(TimeSpan.FromMinutes(1));
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await ReadOnceAsync(admin, ends);
                LastRead = DateTimeOffset.UtcNow;
            }
            catch (Exception error) when (error is KafkaException or TimeoutException)
            {
                // A cluster that stays away is said once a minute, with how many reads failed since.
                if (failures.Occurred("read", out var count))
                    _logger.LogWarning("Consumer lag could not be read ({Count} failed read(s) since the last line; last: {Reason})", count, error.Message);
            }
            try { await Task.Delay(_interval, _stop.Token); }
            catch (OperationCanceledException) { break; }
        }
    }

    private async Task ReadOnceAsync(IAdminClient admin, IConsumer<Ignore, Ignore> ends)
    {
        foreach (var group in _groups)
        {
            var partitions = group.Topics.SelectMany(t => Enumerable.Range(0, t.Partitions).Select(p => new TopicPartition(t.Topic, p))).ToList();
            var committed = await admin.ListConsumerGroupOffsetsAsync(
                [new ConsumerGroupTopicPartitions(group.GroupId, partitions)],
                new ListConsumerGroupOffsetsOptions { RequestTimeout = TimeSpan.FromSeconds(5) });
            var byPartition = committed.SelectMany(c => c.Partitions).ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
            foreach (var tp in partitions)
            {
                if (_stop.IsCancellationRequested) return;
                var watermarks = ends.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5));
                var from = byPartition.TryGetValue(tp, out var offset) && offset >= 0 ? offset : watermarks.Low.Value;
                _lag[(group.Stage, tp.Topic, tp.Partition.Value)] = Math.Max(0, watermarks.High.Value - from);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stop.Cancel();
        if (_loop is not null)
        {
            try { await _loop; }
            catch (Exception error) { _logger.LogWarning(error, "The lag monitor ended with an error"); }
        }
        _stop.Dispose();
    }
}
