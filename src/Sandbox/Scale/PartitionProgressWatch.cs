using System.Diagnostics;
using System.Globalization;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Sandbox.Scale;

/// <summary>
/// Watches, from outside the pods, when each partition's records reach Redis: it reads the state stage's progress keys
/// (<c>cc:offsets:{stage}:{p}</c>, moved in the same atomic step as the writes they record) every
/// <see cref="PollInterval"/> and notes the time of every move. A pause of a partition is the time between two moves
/// while traffic flows: end to end, through both stages, as a reader of Redis sees it.
/// </summary>
internal sealed class PartitionProgressWatch : IAsyncDisposable
{
    /// <summary>How often the progress keys are read; the resolution of every pause this reports.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly IDatabase _db;
    private readonly RedisKey[] _keys;
    private readonly long[] _last;
    private readonly List<double>[] _moves;
    private readonly Stopwatch _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="clock">The run's clock: the times of moves and of scale events are read from it.</param>
    public PartitionProgressWatch(IDatabase db, string stage, int partitions, Stopwatch clock)
    {
        _db = db;
        _clock = clock;
        _keys = Enumerable.Range(0, partitions).Select(p => (RedisKey)FenceScript.OffsetsKey(RedisKeyspace.OffsetsPrefix, stage, p)).ToArray();
        _last = Enumerable.Repeat(-1L, partitions).ToArray();
        _moves = Enumerable.Range(0, partitions).Select(_ => new List<double>()).ToArray();
        _loop = Task.Run(() => PollAsync(_stop.Token));
    }

    public int Partitions => _keys.Length;

    /// <summary>Milliseconds on the run's clock.</summary>
    public double Now => _clock.Elapsed.TotalMilliseconds;

    /// <summary>
    /// The longest time a partition went without a move among the gaps that end in <c>(fromMs, toMs]</c>: from its last
    /// move before <paramref name="fromMs"/> (or a move inside) to the next one. A gap belongs to the change in whose window
    /// it ends (the first record after the change), so a pause that began just before the next change started is that
    /// change's, not counted twice. Null when the partition moved fewer than twice around the window.
    /// </summary>
    public double? LongestPause(int partition, double fromMs, double toMs) =>
        LongestPauseWindow(partition, fromMs, toMs) is { } w ? w.EndMs - w.StartMs : null;

    /// <summary>Where <see cref="LongestPause"/> lies: the partition's move before it and the one that ended it.</summary>
    public (double StartMs, double EndMs)? LongestPauseWindow(int partition, double fromMs, double toMs)
    {
        lock (_moves)
        {
            var moves = _moves[partition];
            (double, double)? longest = null;
            for (var i = 1; i < moves.Count; i++)
            {
                var (start, end) = (moves[i - 1], moves[i]);
                if (end <= fromMs || end > toMs) continue;
                if (longest is not { } l || end - start > l.Item2 - l.Item1) longest = (start, end);
            }
            return longest;
        }
    }

    /// <summary>When the partition last moved, or null before its first move.</summary>
    public double? LastMove(int partition)
    {
        lock (_moves) return _moves[partition] is { Count: > 0 } m ? m[^1] : null;
    }

    private async Task PollAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(PollInterval);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            RedisValue[] values;
            try
            {
                values = await _db.StringGetAsync(_keys).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                continue; // a missed tick only coarsens the resolution
            }
            var now = Now;
            lock (_moves)
            {
                for (var p = 0; p < values.Length; p++)
                {
                    if (values[p].IsNull || !long.TryParse((string?)values[p], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)) continue;
                    if (offset == _last[p]) continue;
                    _last[p] = offset;
                    _moves[p].Add(now);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _loop.ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
