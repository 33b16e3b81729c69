using System.Diagnostics;
using System.Runtime;

namespace ContactCenter.Bench.Stores;

/// <summary>Managed heap and process memory at one moment, after a full blocking compacting GC (so garbage does not count).</summary>
internal readonly record struct MemorySnapshot(long ManagedBytes, long GcHeapBytes, long GcCommittedBytes, long WorkingSetBytes, long PrivateBytes)
{
    public static MemorySnapshot Take()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        // Aggressive: also hands free GC memory back to the OS, so a previous store's heap does not hide the next one's.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var managed = GC.GetTotalMemory(forceFullCollection: false);
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return new MemorySnapshot(managed, info.HeapSizeBytes, info.TotalCommittedBytes, process.WorkingSet64, process.PrivateMemorySize64);
    }

    /// <summary>Growth from <paramref name="baseline"/> to this snapshot.</summary>
    public MemorySnapshot Minus(MemorySnapshot baseline) => new(
        ManagedBytes - baseline.ManagedBytes,
        GcHeapBytes - baseline.GcHeapBytes,
        GcCommittedBytes - baseline.GcCommittedBytes,
        WorkingSetBytes - baseline.WorkingSetBytes,
        PrivateBytes - baseline.PrivateBytes);

    /// <summary>Process memory the GC does not own (RocksDB block cache and memtables, native FASTER buffers, runtime).</summary>
    public long NativeBytes => PrivateBytes - GcCommittedBytes;
}

/// <summary>GC activity over a phase (collections and pause time): explains latency tails of managed stores.</summary>
internal readonly record struct GcActivity(int Gen0, int Gen1, int Gen2, TimeSpan Pause)
{
    public static GcActivity Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());

    public GcActivity Since(GcActivity start) => new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, Pause - start.Pause);

    public override string ToString() => $"GC {Gen0}/{Gen1}/{Gen2} pause {Pause.TotalMilliseconds:F0} ms";
}
