using System.Diagnostics;
using System.Globalization;

namespace ContactCenter.Bench.Pipeline;

/// <summary>What this process has spent so far: CPU, bytes allocated, GC pause time, and CPU per thread name.</summary>
internal readonly record struct ProcessSample(long WallTicks, TimeSpan Cpu, long AllocatedBytes, TimeSpan GcPause, int Gen0, int Gen1, int Gen2,
    IReadOnlyDictionary<string, double> ThreadCpuMs)
{
    public static ProcessSample Take()
    {
        using var self = Process.GetCurrentProcess();
        return new ProcessSample(Stopwatch.GetTimestamp(), self.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false),
            GC.GetTotalPauseDuration(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), ThreadCpu());
    }

    /// <summary>
    /// CPU per thread name (Linux: /proc/self/task/*/comm, truncated to 15 characters by the kernel; threads of one name
    /// summed). It attributes what runs on named threads (Streamiz stream threads, librdkafka's rdk:* threads, Garnet
    /// and SE.Redis threads); the .NET thread pool is one bucket whatever it runs. Threads that ended are not counted.
    /// </summary>
    private static Dictionary<string, double> ThreadCpu()
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!Directory.Exists("/proc/self/task")) return byName;
        var msPerTick = 1000.0 / 100; // USER_HZ is 100 on Linux
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var ticks = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
                byName[name] = byName.GetValueOrDefault(name) + ticks * msPerTick;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The thread ended while we read it.
            }
        }
        return byName;
    }
}
