using System.Diagnostics;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Bench.Stores;

/// <summary>
/// The agent-aggregate stage's store traffic: one Get of the agent's aggregate, then a Put of the new
/// version (a fresh array, as serialization produces). Latency is recorded per get+put pair.
/// </summary>
internal static class AggregateWorkload
{
    /// <summary>Puts every owned key once (the initial state). Not time-capped: later phases need the whole data set.</summary>
    public static Outcome Load(IKeyValueStore<Bytes, byte[]> store, TaskKeys keys, int valueBytes, Latency latency)
    {
        var started = Stopwatch.GetTimestamp();
        for (var j = 0; j < keys.Count; j++)
        {
            var index = keys.Index(j);
            var key = Bytes.Wrap(AgentRecords.Key(index));
            var value = AgentRecords.InitialValue(index, valueBytes);
            var t0 = Stopwatch.GetTimestamp();
            store.Put(key, value);
            latency.Record(Stopwatch.GetTimestamp() - t0);
            keys.Versions[j] = 1;
        }
        return new Outcome(keys.Count, Stopwatch.GetElapsedTime(started).TotalSeconds, 0, 0);
    }

    /// <summary>
    /// Random owned agents, get-then-put, until <paramref name="ops"/> or <paramref name="limit"/>. Like a stream
    /// thread, it commits every <paramref name="commitEvery"/> (Streamiz flushes the store on commit: FASTER
    /// checkpoints, RocksDB flushes its memtable); commit stalls count in the wall time and are recorded in
    /// <paramref name="commits"/>, not in the per-op latency.
    /// </summary>
    public static Outcome GetThenPut(IKeyValueStore<Bytes, byte[]> store, TaskKeys keys, int valueBytes, long ops, TimeSpan limit, ulong seed, Latency latency,
        TimeSpan commitEvery = default, Latency? commits = null)
    {
        var random = new FastRandom(seed);
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        var commitTicks = (long)(commitEvery.TotalSeconds * Stopwatch.Frequency);
        var nextCommit = commitTicks > 0 ? started + commitTicks : long.MaxValue;
        long done = 0, misses = 0, stale = 0;
        for (; done < ops; done++)
        {
            if ((done & 1023) == 0)
            {
                var now = Stopwatch.GetTimestamp();
                if (now > deadline) break;
                if (now >= nextCommit)
                {
                    store.Flush();
                    var after = Stopwatch.GetTimestamp();
                    commits?.Record(after - now);
                    nextCommit = after + commitTicks;
                }
            }
            var j = random.Next(keys.Count);
            var key = Bytes.Wrap(AgentRecords.Key(keys.Index(j)));
            var t0 = Stopwatch.GetTimestamp();
            var old = store.Get(key);
            var next = old is null ? AgentRecords.InitialValue(keys.Index(j), valueBytes) : AgentRecords.NextVersion(old, t0);
            store.Put(key, next);
            latency.Record(Stopwatch.GetTimestamp() - t0);
            if (old is null) misses++;
            else if (AgentRecords.Version(old) != keys.Versions[j]) stale++;
            keys.Versions[j] = AgentRecords.Version(next);
        }
        return new Outcome(done, Stopwatch.GetElapsedTime(started).TotalSeconds, misses, stale);
    }

    /// <summary>Ops done, wall seconds, gets that found nothing, gets that returned an older version than last written.</summary>
    internal readonly record struct Outcome(long Ops, double Seconds, long Misses, long Stale)
    {
        public static Outcome Combine(IEnumerable<Outcome> parts, double wallSeconds)
        {
            long ops = 0, misses = 0, stale = 0;
            foreach (var p in parts) { ops += p.Ops; misses += p.Misses; stale += p.Stale; }
            return new Outcome(ops, wallSeconds, misses, stale);
        }

        public string? Problems => Misses + Stale == 0 ? null : $"{Misses} missing, {Stale} stale reads";
    }
}
