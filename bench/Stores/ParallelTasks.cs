using System.Diagnostics;

namespace ContactCenter.Bench.Stores;

/// <summary>Runs one body per task on its own dedicated thread (like Streamiz stream threads), released together; returns the wall time.</summary>
internal static class ParallelTasks
{
    public static (T[] Results, double WallSeconds) Run<T>(int tasks, Func<int, T> body)
    {
        var results = new T[tasks];
        var errors = new Exception?[tasks];
        using var start = new Barrier(tasks + 1);
        var threads = new Thread[tasks];
        for (var t = 0; t < tasks; t++)
        {
            var task = t;
            threads[t] = new Thread(() =>
            {
                start.SignalAndWait();
                try { results[task] = body(task); }
                catch (Exception e) { errors[task] = e; }
            }) { IsBackground = true, Name = $"bench-task-{t}" };
            threads[t].Start();
        }
        start.SignalAndWait();
        var started = Stopwatch.GetTimestamp();
        foreach (var thread in threads) thread.Join();
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (errors.FirstOrDefault(e => e is not null) is { } error) throw new AggregateException(error);
        return (results, wall);
    }
}
