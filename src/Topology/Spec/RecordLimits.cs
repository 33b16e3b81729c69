namespace ContactCenter.Topology.Spec;

/// <summary>
/// Bounds on what a stage accepts from a record (topology file: <c>limits</c>). A record past any of them is
/// dead-lettered with the limit it broke; it never reaches a store, the derived topic or Redis.
/// </summary>
/// <remarks>
/// Why each exists: a value that is too large cannot be produced to the derived topic (the producer refuses it and
/// the stage would stop); a huge field makes every later write of the agent huge; a version near 2^63 freezes a part
/// forever (no later event can be newer); an unbounded key grows every Redis key and claim.
/// </remarks>
/// <param name="MaxRecordBytes">Largest record value a stage reads, and largest aggregate it writes.</param>
/// <param name="MaxFieldBytes">Largest mapped field value, in UTF-8 bytes after JSON unescaping.</param>
/// <param name="MaxKeyBytes">Longest record key (the agent id), in bytes; the characters allowed are fixed by
/// <see cref="Events.RecordKeyRule"/>.</param>
/// <param name="MaxVersion">Highest event version accepted.</param>
public sealed record RecordLimits(int MaxRecordBytes, int MaxFieldBytes, int MaxKeyBytes, long MaxVersion)
{
    /// <summary>The largest <see cref="MaxRecordBytes"/> a file may set: below the 1,000,000-byte default of
    /// <c>message.max.bytes</c> of every producer, with room for the key and headers.</summary>
    public const int RecordBytesCeiling = 900_000;

    /// <summary>2^53 - 1: the largest integer every JSON reader (browsers included) reads exactly.</summary>
    public const long DefaultMaxVersion = 9_007_199_254_740_991;

    /// <summary>256 KiB records, 16 KiB fields, 128-byte keys, versions up to 2^53 - 1.</summary>
    public static RecordLimits Default { get; } = new(256 * 1024, 16 * 1024, 128, DefaultMaxVersion);
}
