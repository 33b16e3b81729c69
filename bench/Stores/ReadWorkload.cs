using System.Diagnostics;
using Streamiz.Kafka.Net.Crosscutting;
using Streamiz.Kafka.Net.State;

namespace ContactCenter.Bench.Stores;

/// <summary>Interactive-query style reads: point gets, ordered ranges of consecutive agents, full iteration. Each checks what it read.</summary>
internal static class ReadWorkload
{
    public static PhaseResult PointReads(IKeyValueStore<Bytes, byte[]> store, TaskKeys keys, long ops, TimeSpan limit, ulong seed)
    {
        var latency = new Latency();
        var random = new FastRandom(seed);
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        long done = 0, wrong = 0;
        for (; done < ops; done++)
        {
            if ((done & 1023) == 0 && Stopwatch.GetTimestamp() > deadline) break;
            var j = random.Next(keys.Count);
            var key = Bytes.Wrap(AgentRecords.Key(keys.Index(j)));
            var t0 = Stopwatch.GetTimestamp();
            var value = store.Get(key);
            latency.Record(Stopwatch.GetTimestamp() - t0);
            if (value is null || AgentRecords.Version(value) != keys.Versions[j]) wrong++;
        }
        return new PhaseResult("point get", done, Stopwatch.GetElapsedTime(started).TotalSeconds, latency,
            wrong == 0 ? null : $"{wrong} missing/stale");
    }

    /// <summary>Ranges of <paramref name="length"/> consecutive agents (single-task store: indices = key order), fully iterated.</summary>
    public static PhaseResult Ranges(IKeyValueStore<Bytes, byte[]> store, int totalKeys, int length, int count, TimeSpan limit, ulong seed)
    {
        var latency = new Latency();
        var random = new FastRandom(seed);
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        long done = 0, wrong = 0, rows = 0;
        for (; done < count; done++)
        {
            if (done > 0 && Stopwatch.GetTimestamp() > deadline) break;
            var first = random.Next(Math.Max(1, totalKeys - length + 1));
            var from = Bytes.Wrap(AgentRecords.Key(first));
            var to = Bytes.Wrap(AgentRecords.Key(first + length - 1));
            var t0 = Stopwatch.GetTimestamp();
            var n = 0;
            using (var range = store.Range(from, to))
            {
                while (range.MoveNext()) n++;
            }
            latency.Record(Stopwatch.GetTimestamp() - t0);
            rows += n;
            if (n != Math.Min(length, totalKeys)) wrong++;
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var note = $"{length} keys/range, {rows / Math.Max(seconds, 1e-9):N0} rows/s";
        return new PhaseResult($"range {length}", done, seconds, latency, wrong == 0 ? note : $"{note}; {wrong} ranges with a wrong row count");
    }

    public static PhaseResult All(IKeyValueStore<Bytes, byte[]> store, int totalKeys, int count, TimeSpan limit)
    {
        var latency = new Latency();
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        long done = 0, wrong = 0, rows = 0;
        for (; done < count; done++)
        {
            if (done > 0 && Stopwatch.GetTimestamp() > deadline) break;
            var t0 = Stopwatch.GetTimestamp();
            var n = 0;
            foreach (var _ in store.All()) n++;
            latency.Record(Stopwatch.GetTimestamp() - t0);
            rows += n;
            if (n != totalKeys) wrong++;
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var note = $"{totalKeys:N0} keys/scan, {rows / Math.Max(seconds, 1e-9):N0} rows/s";
        return new PhaseResult("all", done, seconds, latency, wrong == 0 ? note : $"{note}; {wrong} scans with a wrong row count");
    }
}
