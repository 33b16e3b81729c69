using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// The writer's Redis Cluster side: after a topology change (failover, reshard) it re-reads the per-slot progress it
/// wrote and reports partitions a slot no longer holds (<see cref="ProgressLost"/>); it raises a partition's resume
/// position only once every slot call of a batch was acknowledged. The fence itself is in FencedStateWriter.cs.
/// </summary>
public sealed partial class FencedStateWriter
{
    /// <summary>True when this writer found a Redis Cluster and records progress per slot (<see cref="ClusterProgress"/>).</summary>
    public bool IsCluster => _cluster is not null;

    /// <summary>Raised (from a background check, not the writer's loop) with the partitions whose acknowledged progress a
    /// Redis Cluster no longer holds after a topology change; see <see cref="BatchAcknowledged.Regressed"/>.</summary>
    public event Action<IReadOnlyCollection<int>>? ProgressLost;

    private void OnTopologyChanged(object? sender, EventArgs e)
    {
        if (Interlocked.Exchange(ref _checkPending, 1) == 0)
            _ = Task.Run(CheckClusterProgressAsync);
    }

    /// <summary>
    /// On a cluster, after the client saw the topology change (a node lost, a failover, a node back): every (partition,
    /// slot) whose progress this writer saw acknowledged is read again, until the cluster answers for all of them, and the
    /// partitions whose record went missing or below are reported (<see cref="ProgressLost"/>): a promoted replica lacked
    /// writes its primary had acknowledged. A slot written again is caught by the fence itself; this finds the slots
    /// nobody writes any more, and works while the stage is idle.
    /// </summary>
    private async Task CheckClusterProgressAsync()
    {
        for (var attempt = 0; !_stop.IsCancellationRequested; attempt++)
        {
            try
            {
                // Let a failover settle first; the check repeats until every key answered.
                await Task.Delay(attempt == 0 ? TimeSpan.FromMilliseconds(500) : RedisFailures.Backoff(attempt, TimeSpan.FromSeconds(2)), _stop.Token).ConfigureAwait(false);
                Volatile.Write(ref _checkPending, 0); // a change from now on starts another check
                var lost = await ReadLostPartitionsAsync().ConfigureAwait(false);
                if (lost.Count > 0)
                {
                    _logger.LogError("Fenced writer for stage {Stage}: Redis lost acknowledged writes of partitions {Partitions} (a promoted replica lagged or a node restarted empty)",
                        _stage, string.Join(",", lost.Order()));
                    ProgressLost?.Invoke(lost);
                }
                return;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (RedisFailures.IsTransient(error))
            {
                // The slots of a lost node answer only once a replica took them over; ask the cluster for its map again.
                _logger.LogDebug(error, "Fenced writer for stage {Stage}: progress check after a topology change postponed", _stage);
                try { await _redis.ConfigureAsync().ConfigureAwait(false); } catch (Exception e) when (e is RedisException or TimeoutException) { }
            }
            catch (Exception error)
            {
                _logger.LogError(error, "Fenced writer for stage {Stage}: progress check after a topology change failed", _stage);
                return;
            }
        }
    }

    private async Task<HashSet<int>> ReadLostPartitionsAsync()
    {
        var floors = _cluster!.Floors().ToList();
        var lost = new HashSet<int>();
        for (var first = 0; first < floors.Count; first += VerifyPage)
        {
            var page = floors.GetRange(first, Math.Min(VerifyPage, floors.Count - first));
            var batch = _db.CreateBatch();
            var reads = page.Select(f => batch.StringGetAsync(f.Key)).ToArray();
            batch.Execute();
            await Task.WhenAll(reads).WaitAsync(_stop.Token).ConfigureAwait(false);
            for (var i = 0; i < page.Count; i++)
            {
                var held = reads[i].Result;
                if (held.IsNull || !long.TryParse((string?)held, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset)
                    || offset < page[i].Floor)
                    lost.Add(page[i].Partition);
            }
        }
        return lost;
    }

    private const int VerifyPage = 4096;

    private void RefreshClusterMap() =>
        _ = _redis.ConfigureAsync().ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>
    /// On a cluster, raises each partition's resume position (<c>{prefix}:{stage}:{partition}</c>) to the batch's highest
    /// offset once every call of the batch is acknowledged; returns the partitions whose position Redis had lost.
    /// </summary>
    /// <param name="counts">Whether batch write i moves the position: sent and not refused (a superseded write is covered
    /// by the one standing for it, which has a higher offset).</param>
    private async Task<HashSet<int>?> RaiseCheckpointsAsync(List<AgentStateWrite> batch, Func<int, bool> counts)
    {
        var highest = new Dictionary<int, long>();
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            if (!write.Replay && counts(i) && (!highest.TryGetValue(write.Partition, out var top) || write.Offset > top))
                highest[write.Partition] = write.Offset;
        }
        HashSet<int>? lost = null;
        for (var attempt = 0; ; attempt++)
        {
            var pipeline = _db.CreateBatch();
            var raises = highest.Select(h => (h.Key, pipeline.ScriptEvaluateAsync(FenceScript.RaiseProgress, [OffsetsKey(h.Key)],
                [h.Value, _floors.TryGetValue(h.Key, out var floor) ? floor : RedisValue.EmptyString]))).ToList();
            pipeline.Execute();
            try
            {
                await Task.WhenAll(raises.Select(r => r.Item2)).WaitAsync(_stop.Token).ConfigureAwait(false);
                foreach (var (partition, raised) in raises)
                {
                    if ((long)raised.Result == 1)
                        (lost ??= []).Add(partition);
                    _floors[partition] = Math.Max(_floors.GetValueOrDefault(partition, -1), highest[partition]);
                }
                return lost;
            }
            catch (Exception error) when (error is not OperationCanceledException && RedisFailures.IsTransient(error))
            {
                var delay = RedisFailures.Backoff(attempt, _options.MaxRetryDelay);
                _logger.LogWarning(error, "Fenced writer for stage {Stage}: raising the resume positions failed (attempt {Attempt}); retrying in {Delay}",
                    _stage, attempt + 1, delay);
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }
        }
    }
}
