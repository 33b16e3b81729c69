using Microsoft.Extensions.Logging;

namespace ContactCenter.Broker.Log;

/// <summary>
/// Compacts the partitions of topics with <c>cleanup.policy=compact</c> on a thread of its own, as Kafka's log cleaner
/// threads do: a pass reads and rewrites a whole partition, and on the request threads or the
/// housekeeping timer it would hold up fetches, produces and group heartbeats while it runs.
/// </summary>
internal sealed class LogCleaner : IDisposable
{
    /// <summary>How often each compacted partition is looked at (a pass runs only when one is due: see
    /// <see cref="PartitionLog.Compact"/>).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ClusterState _cluster;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;

    public LogCleaner(ClusterState cluster)
    {
        _cluster = cluster;
        _thread = new Thread(Run) { IsBackground = true, Name = "kafka-log-cleaner" };
        _thread.Start();
    }

    private void Run()
    {
        while (!_stop.Token.WaitHandle.WaitOne(Interval))
        {
            try
            {
                CleanOnce();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _cluster.Logger.LogWarning("Broker log cleaner: a pass failed: {Message}", e.Message);
            }
        }
    }

    private void CleanOnce()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var topic in _cluster.Topics)
        {
            if (!_cluster.ConfigValue(topic, "cleanup.policy").Contains("compact", StringComparison.Ordinal)) continue;
            var deleteRetentionMs = topic.ConfigLong("delete.retention.ms", 86_400_000);
            var minLagMs = topic.ConfigLong("min.compaction.lag.ms", 0);
            var dirtyRatio = topic.ConfigDouble("min.cleanable.dirty.ratio", 0.5);
            foreach (var partition in topic.Partitions)
            {
                if (_stop.IsCancellationRequested) return;
                partition.Compact(deleteRetentionMs, now, minLagMs, dirtyRatio);
            }
        }
    }

    /// <summary>Asks the thread to stop and returns at once: it ends at its next check (between partitions), and a
    /// broker's dispose never waits for a pass in progress (a wait there blocked the disposing thread-pool thread).
    /// The token source is left to the collector, since the thread may still be reading it.</summary>
    public void Dispose() => _stop.Cancel();
}
