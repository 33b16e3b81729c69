namespace ContactCenter.Stores.Snapshots;

/// <summary>One agent hash as Redis held it, fence fields (<c>_p</c>, <c>_o</c>, <c>_t</c>) included.</summary>
public sealed record SnapshotHash(string Key, IReadOnlyList<KeyValuePair<string, string>> Fields);

/// <summary>A deleted agent's fence (<c>{hash}:tomb</c> = <c>p:o:t</c>) and how long it had left to live.</summary>
public sealed record SnapshotTombstone(string Key, string Fence, long TimeToLiveMs);

/// <summary>What a snapshot file says about itself: whose state it is and where Kafka resumes after it.</summary>
/// <param name="Stage">The state stage whose hashes these are.</param>
/// <param name="KeyPattern">The stage's Redis key pattern, e.g. <c>cc:agent:{key}</c>.</param>
/// <param name="CreatedUnixMs">When it was written.</param>
/// <param name="Offsets">Per partition, the last offset applied (read before any hash, so never ahead of them).</param>
public sealed record SnapshotHeader(string Stage, string KeyPattern, long CreatedUnixMs, IReadOnlyDictionary<int, long> Offsets);

/// <summary>A snapshot file that cannot be loaded: truncated, corrupted, of another format or of another stage.</summary>
public sealed class SnapshotFormatException(string file, string message) : Exception($"{file}: {message}")
{
    public string File { get; } = file;
}
