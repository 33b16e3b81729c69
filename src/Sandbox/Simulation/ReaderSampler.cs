using System.Globalization;
using ContactCenter.Stores.Redis;
using StackExchange.Redis;

namespace ContactCenter.Sandbox.Simulation;

/// <summary>What a reader of the agents' hashes saw while it sampled them.</summary>
/// <param name="Reads">Agent reads made.</param>
/// <param name="Regressions">Reads that showed an agent older than a read before it had: a part of it at a version
/// below one an earlier read proved (or a state no produced event explains).</param>
/// <param name="Missing">Reads that found neither hash nor tombstone for an agent a read before it had seen.</param>
internal sealed record ReaderSummary(long Reads, long Sweeps, long Regressions, long Missing, IReadOnlyList<string> Samples);

/// <summary>
/// A reader like a supervisor's screen: reads every agent's hash over and over, each read atomic with its tombstone
/// (MULTI: HGETALL of <c>cc:agent:{id}</c> and GET of its <c>:tomb</c>), and counts what no reader may ever see: an agent
/// going back to an older state, or one that was there disappearing without a deletion. "Older" is judged per part by
/// version against <see cref="StateHistory"/>: a read proves each part is at least its lowest consistent version, and a
/// later read whose highest consistent version is below that went back.
/// </summary>
internal sealed class ReaderSampler(IConnectionMultiplexer redis, IReadOnlyList<(string Agent, string Key)> agents, StateHistory history)
{
    private readonly Dictionary<string, long>[] _floors = agents.Select(_ => new Dictionary<string, long>(StringComparer.Ordinal)).ToArray();
    private readonly bool[] _seen = new bool[agents.Count];
    private readonly List<string> _samples = [];
    private long _reads, _sweeps, _regressions, _missing;

    public ReaderSummary Summary
    {
        get
        {
            lock (_samples)
                return new(Interlocked.Read(ref _reads), Interlocked.Read(ref _sweeps), Interlocked.Read(ref _regressions), Interlocked.Read(ref _missing), _samples.ToList());
        }
    }

    /// <summary>Sweeps over every agent until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var db = redis.GetDatabase();
        // On a Redis Cluster a tombstone is named into its hash's slot, so that one MULTI can read both.
        var clustered = ClusterSlots.IsCluster(redis);
        const int Window = 128;
        while (!ct.IsCancellationRequested)
        {
            for (var first = 0; first < agents.Count && !ct.IsCancellationRequested; first += Window)
            {
                var count = Math.Min(Window, agents.Count - first);
                var reads = new (Task<HashEntry[]> Hash, Task<RedisValue> Tomb, Task<bool> Done)[count];
                for (var i = 0; i < count; i++)
                {
                    var tx = db.CreateTransaction();
                    var hash = tx.HashGetAllAsync(agents[first + i].Key);
                    var tomb = tx.StringGetAsync(FenceScript.TombstoneKey(agents[first + i].Key, clustered));
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

    private void Observe(int index, HashEntry[] entries, RedisValue tomb)
    {
        Interlocked.Increment(ref _reads);
        var (agent, key) = agents[index];
        Dictionary<string, string>? hash = null;
        if (entries.Length > 0)
            hash = entries.Where(e => !FenceScript.IsFenceField(e.Name!)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        else if (!tomb.HasValue)
        {
            if (_seen[index]) Record(ref _missing, $"{key}: gone without a tombstone after it was read");
            return;
        }
        _seen[index] = true;
        var floors = _floors[index];
        foreach (var (part, (low, high)) in history.Explain(agent, hash))
        {
            if (high < 0)
            {
                Record(ref _regressions, $"{key}: part {part} in a state no produced event explains");
                continue;
            }
            if (floors.TryGetValue(part, out var floor) && high < floor)
                Record(ref _regressions, $"{key}: part {part} read at version {high} after a read proved version {floor}");
            if (!floors.TryGetValue(part, out floor) || low > floor)
                floors[part] = low;
        }
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
