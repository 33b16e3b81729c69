using ContactCenter.Stores.Redis;

namespace ContactCenter.Processor.Stages;

/// <summary>
/// How far a Redis-writing stage is behind its source events, as its writer's acknowledgements show it: the age of the
/// oldest event in the newest acknowledged batch (source timestamp to Redis's answer), and how long writes have waited
/// with nothing acknowledged. What the worker pool paces itself by, so that side effects never starve the stages of the
/// same pod (<see cref="Workers.WorkerOptions.PauseWhenStagesBehind"/>).
/// </summary>
internal sealed class StageLag
{
    private long _lastAckAtMs;
    private long _lastAckLagMs;

    /// <summary>Handler for the stage's acknowledgements.</summary>
    public void OnAcknowledged(BatchAcknowledged batch) => OnAcknowledged(batch, Environment.TickCount64, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    internal void OnAcknowledged(BatchAcknowledged batch, long nowTicksMs, long nowUnixMs)
    {
        var oldest = long.MaxValue;
        foreach (var write in batch.Writes)
            if (write.SourceTimestampMs > 0 && write.SourceTimestampMs < oldest) oldest = write.SourceTimestampMs;
        Volatile.Write(ref _lastAckLagMs, oldest == long.MaxValue ? 0 : Math.Max(0, nowUnixMs - oldest));
        Volatile.Write(ref _lastAckAtMs, nowTicksMs);
    }

    /// <summary>
    /// Behind when the newest acknowledgement (at most a second old) came later than <paramref name="threshold"/> after
    /// its oldest event, or when <paramref name="pendingWrites"/> have waited longer than the threshold with no
    /// acknowledgement at all (a starved writer acknowledges nothing, so its last lag would look fine).
    /// </summary>
    public bool IsBehind(TimeSpan threshold, long pendingWrites) => IsBehind(threshold, pendingWrites, Environment.TickCount64);

    internal bool IsBehind(TimeSpan threshold, long pendingWrites, long nowTicksMs)
    {
        var sinceAck = nowTicksMs - Volatile.Read(ref _lastAckAtMs);
        var limit = (long)threshold.TotalMilliseconds;
        return (sinceAck <= 1000 && Volatile.Read(ref _lastAckLagMs) > limit) || (pendingWrites > 0 && sinceAck > limit);
    }
}
