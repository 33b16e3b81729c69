using System.Globalization;
using ContactCenter.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Sandbox.Simulation;

/// <summary>What a reader of the agents' hashes saw while it sampled them.</summary>
/// <param name="Reads">Agent reads made.</param>
/// <param name="Regressions">Reads that showed an agent older than a read before it had (its fence's source timestamp
/// went down: an older hash, or a tombstone older than the hash it replaced).</param>
/// <param name="Missing">Reads that found neither hash nor tombstone for an agent a read before it had seen.</param>
internal sealed record ReaderSummary(long Reads, long Sweeps, long Regressions, long Missing, IReadOnlyList<string> Samples);

/// <summary>
/// A reader like a supervisor's screen: reads every agent's hash over and over, each read atomic with its tombstone
/// (MULTI: HGETALL of <c>cc:agent:{id}</c> and GET of its <c>:tomb</c>), and counts what no reader may ever see: an agent
/// going back to an older state, or one that was there disappearing without a deletion.
/// </summary>
internal sealed class ReaderSampler(IConnectionMultiplexer redis, IReadOnlyList<string> keys)
{
    private readonly long[] _seen = Enumerable.Repeat(-1L, keys.Count).ToArray(); // newest source timestamp read, -1 never seen
    private readonly List<string> _samples = [];
    private long _reads, _sweeps, _regressions, _missing;

    public ReaderSummary Summary => new(Interlocked.Read(ref _reads), Interlocked.Read(ref _sweeps), Interlocked.Read(ref _regressions), Interlocked.Read(ref _missing), _samples.ToList());

    /// <summary>Sweeps over every key until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var db = redis.GetDatabase();
        const int Window = 128;
        while (!ct.IsCancellationRequested)
        {
            for (var first = 0; first < keys.Count && !ct.IsCancellationRequested; first += Window)
            {
                var count = Math.Min(Window, keys.Count - first);
                var reads = new (Task<HashEntry[]> Hash, Task<RedisValue> Tomb, Task<bool> Done)[count];
                for (var i = 0; i < count; i++)
                {
                    var tx = db.CreateTransaction();
                    var hash = tx.HashGetAllAsync(keys[first + i]);
                    var tomb = tx.StringGetAsync(FenceScript.TombstoneKey(keys[first + i]));
                    reads[i] = (hash, tomb, tx.ExecuteAsync());
                }
                try
                {
                    await Task.WhenAll(reads.Select(r => r.Done)).WaitAsync(ct).ConfigureAwait(false);
                }
                catch (RedisException)
                {
                    continue; // a read that failed saw nothing
                }
                for (var i = 0; i < count; i++)
                    Observe(first + i, await reads[i].Hash.ConfigureAwait(false), await reads[i].Tomb.ConfigureAwait(false));
            }
            Interlocked.Increment(ref _sweeps);
        }
    }

    private void Observe(int index, HashEntry[] hash, RedisValue tomb)
    {
        Interlocked.Increment(ref _reads);
        long? at = null;
        if (hash.Length > 0)
        {
            var t = hash.FirstOrDefault(e => e.Name == FenceScript.TimestampField).Value;
            at = t.HasValue ? long.Parse((string)t!, NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        }
        else if (Fence.FromTombstone(tomb) is { } fence)
        {
            at = fence.TimestampMs;
        }
        var before = _seen[index];
        if (at is not { } now)
        {
            if (before >= 0) Record(ref _missing, $"{keys[index]}: gone without a tombstone after a read at {before}");
            return;
        }
        if (now < before)
            Record(ref _regressions, $"{keys[index]}: read at {now} after a read at {before}");
        else
            _seen[index] = now;
    }

    private void Record(ref long counter, string sample)
    {
        Interlocked.Increment(ref counter);
        lock (_samples)
        {
            if (_samples.Count < 10) _samples.Add(sample);
        }
    }
}
