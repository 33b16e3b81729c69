namespace ContactCenter.Processor.Stages;

/// <summary>
/// Maps a dead letter's reason text (which quotes keys, sizes and messages) onto a small fixed set of classes, so that a
/// metric labelled by reason has bounded cardinality whatever the records say.
/// </summary>
internal static class DeadLetterReasons
{
    /// <summary>Every class <see cref="Classify"/> can return.</summary>
    public static readonly IReadOnlyList<string> Classes =
        ["no-key", "wrong-partition", "key", "tombstone", "too-large", "op-header", "body", "key-mismatch", "not-aggregate", "redis-refused", "processing-failed", "other"];

    public static string Classify(string? reason)
    {
        if (string.IsNullOrEmpty(reason)) return "other";
        if (reason.StartsWith("processing failed", StringComparison.Ordinal)) return "processing-failed";
        if (reason.StartsWith("record has no key", StringComparison.Ordinal)) return "no-key";
        if (reason.StartsWith(ContactCenter.Topology.Aggregation.PartitionCheck.Reason, StringComparison.Ordinal)) return "wrong-partition";
        if (reason.Contains("max-record-bytes", StringComparison.Ordinal) || reason.Contains("too large", StringComparison.OrdinalIgnoreCase)) return "too-large";
        if (reason.StartsWith("key ", StringComparison.Ordinal)) return "key";
        if (reason.Contains("tombstone", StringComparison.Ordinal)) return "tombstone";
        if (reason.Contains("header", StringComparison.Ordinal)) return "op-header";
        if (reason.Contains("does not match the key", StringComparison.Ordinal) || reason.Contains("differs from the record key", StringComparison.Ordinal)) return "key-mismatch";
        if (reason.Contains("aggregate", StringComparison.OrdinalIgnoreCase)) return "not-aggregate";
        if (reason.Contains("WRONGTYPE", StringComparison.Ordinal) || reason.Contains("Redis", StringComparison.Ordinal)) return "redis-refused";
        if (reason.Contains("JSON", StringComparison.OrdinalIgnoreCase) || reason.Contains("field", StringComparison.Ordinal) ||
            reason.Contains("UTF-8", StringComparison.Ordinal) || reason.Contains("limits.", StringComparison.Ordinal) || reason.Contains("undecodable", StringComparison.Ordinal))
            return "body";
        return "other";
    }
}
