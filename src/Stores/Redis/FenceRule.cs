using System.Globalization;

namespace ContactCenter.Stores.Redis;

/// <summary>The (partition, offset, source timestamp, generation, per-part versions) that wrote a hash or a tombstone;
/// generation 0 when no migration did (<see cref="StageGeneration"/>), versions null when the write carried none.</summary>
public readonly record struct Fence(int Partition, long Offset, long TimestampMs, long Generation = 0, string? Versions = null)
{
    /// <summary>Reads the hash's <c>_p</c>, <c>_o</c>, <c>_t</c> fields; null when the partition or the offset is missing.</summary>
    public static Fence? FromHash(IReadOnlyDictionary<string, string> hash)
    {
        if (!hash.TryGetValue(FenceScript.PartitionField, out var p) || !hash.TryGetValue(FenceScript.OffsetField, out var o))
            return null;
        if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            || !long.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            return null;
        var t = hash.TryGetValue(FenceScript.TimestampField, out var ts) && long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        var g = hash.TryGetValue(FenceScript.GenerationField, out var gs) && long.TryParse(gs, NumberStyles.None, CultureInfo.InvariantCulture, out var gp) ? gp : 0;
        return new Fence(partition, offset, t, g, hash.TryGetValue(FenceScript.VersionsField, out var v) ? v : null);
    }

    /// <summary>Reads a tombstone value <c>p:o:t</c>, <c>p:o:t:g</c> (written by a generation) or <c>p:o:t:g:v</c> (a write
    /// with per-part versions); null when it is not one.</summary>
    public static Fence? FromTombstone(string? value)
    {
        if (value is null)
            return null;
        var parts = value.Split(':', 5);
        long g = 0;
        if (parts.Length is not (3 or 4 or 5)
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var t)
            || (parts.Length >= 4 && !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out g)))
            return null;
        return new Fence(partition, offset, t, g, parts.Length == 5 ? parts[4] : null);
    }
}

/// <summary>
/// The decision of <see cref="FenceScript"/> in C#, for a shadow of Redis that must behave exactly like it
/// (<c>contactcenter replay --dry-run</c>). <c>FenceRuleTests</c> checks both against each other.
/// </summary>
public static class FenceRule
{
    /// <summary>
    /// Whether the script applies <paramref name="write"/> to a key whose hash carries <paramref name="hashFence"/> (null:
    /// no hash) and whose tombstone is <paramref name="tombstone"/> (null: none), given what the hash holds now
    /// (<paramref name="currentFields"/>, without fence fields; only read for a replay of the same record).
    /// <paramref name="fenceTimestampMs"/> is the timestamp compared with a fence from another partition: the write's own,
    /// or, for a write that others were coalesced into, the newest of theirs (<see cref="Coalesce"/>).
    /// <paramref name="generation"/> is the writer's (0: no migration) and <paramref name="cutOver"/> whether its cut-over
    /// key exists: before that a generation's write applies nowhere.
    /// </summary>
    public static bool Applies(AgentStateWrite write, Fence? hashFence, Fence? tombstone, IReadOnlyDictionary<string, string>? currentFields,
        long? fenceTimestampMs = null, long generation = 0, bool cutOver = true)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (generation != 0 && !cutOver)
            return false;
        var held = hashFence ?? tombstone;
        if (held is not { } fence)
            return true;
        var same = write.Replay && fence.Partition == write.Partition && fence.Offset == write.Offset && fence.Generation == generation;
        if (!same)
            return Newer(write, fenceTimestampMs ?? write.SourceTimestampMs, generation, fence);
        if (write.IsTombstone)
            return false;
        if (hashFence is null)
            return true;
        // The record that wrote this hash, again: a write only when the fields (or the timestamp) differ.
        if (fence.TimestampMs != write.SourceTimestampMs || currentFields is null || currentFields.Count != write.Fields!.Length)
            return true;
        foreach (var (name, value) in write.Fields!)
        {
            if (!currentFields.TryGetValue(name, out var held2) || held2 != value)
                return true;
        }
        return false;
    }

    private static bool Newer(AgentStateWrite write, long timestampMs, long generation, Fence fence)
    {
        // Another generation counts offsets of other partitions: an older one never wins; a newer one wins when no part
        // of the held state is newer than the write's, or by timestamp where either side carries no part versions.
        if (fence.Generation != generation)
        {
            if (generation < fence.Generation)
                return false;
            return write.PartVersions is { } mine && fence.Versions is { } held
                ? PartVersionVector.Covers(mine, held)
                : timestampMs >= fence.TimestampMs;
        }
        return fence.Partition == write.Partition ? write.Offset > fence.Offset : timestampMs >= fence.TimestampMs;
    }

    /// <summary>
    /// Whether <paramref name="next"/>, the next write of the same key in a batch, can stand for both itself and
    /// <paramref name="previous"/>: live writes (a replay keeps its own rules) of one partition with a rising offset.
    /// Applied in order, the first of such writes that passes the key's fence makes the fence its own partition's, and
    /// every later one passes too; so the last one's state wins exactly when its offset passes a fence of the same
    /// partition, or when any of their timestamps passes a fence of another partition. The coalesced write is therefore
    /// <paramref name="next"/> judged with the newest timestamp of the two (<paramref name="fenceTimestampMs"/>).
    /// </summary>
    public static bool Coalesce(AgentStateWrite previous, long previousFenceTimestampMs, AgentStateWrite next, out long fenceTimestampMs)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(next);
        fenceTimestampMs = Math.Max(previousFenceTimestampMs, next.SourceTimestampMs);
        // A write that carries a job is never superseded: its job must be queued with it.
        return !previous.Replay && !next.Replay && previous.Job is null && previous.Key == next.Key
            && previous.Partition == next.Partition && next.Offset > previous.Offset;
    }
}
