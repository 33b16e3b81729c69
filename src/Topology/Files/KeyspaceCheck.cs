using ContactCenter.Topology.Events;

namespace ContactCenter.Topology.Files;

/// <summary>
/// Can a Redis sink's agent keys land inside a namespace the engine or another sink owns (stage offsets, dedup
/// claims, queues)? Agent keys are <c>before + id + after</c> with ids restricted by <see cref="RecordKeyRule"/>, so
/// the question is decidable from the pattern alone.
/// </summary>
internal static class KeyspaceCheck
{
    /// <summary>True when some allowed id makes <c>before + id + after</c> start with <paramref name="ns"/>.</summary>
    public static bool CanReach(string keyPattern, string ns)
    {
        var at = keyPattern.IndexOf("{key}", StringComparison.Ordinal);
        if (at < 0 || ns.Length == 0) return false;
        var before = keyPattern[..at];
        var after = keyPattern[(at + "{key}".Length)..];
        if (before.StartsWith(ns, StringComparison.Ordinal)) return true;
        if (!ns.StartsWith(before, StringComparison.Ordinal)) return false;
        var rest = ns[before.Length..];
        // The id covers rest[..i] (at least one character), the fixed suffix must then cover what is left.
        for (var i = 1; i <= rest.Length; i++)
        {
            if (!RecordKeyRule.IsValid(rest[..i], int.MaxValue)) return false;
            var left = rest[i..];
            if (left.Length == 0 || after.StartsWith(left, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
