using System.Text;

namespace ContactCenter.Topology.Events;

/// <summary>
/// Which record keys (agent ids) the engine accepts: 1 to <c>limits.max-key-bytes</c> bytes of ASCII letters, digits
/// and <c>. _ - @ +</c>. The rule keeps agent data and the engine's own keys apart: every key the engine writes for
/// itself (tombstone fences <c>{hash}:tomb</c>, stage offsets, dedup claims) contains a <c>:</c>, which no key can,
/// and no key can carry Redis glob characters (<c>* ? [</c>), cluster hash tags (<c>{ }</c>), whitespace or
/// newlines. A key that breaks it is dead-lettered with the reason.
/// </summary>
public static class RecordKeyRule
{
    /// <summary>The rule in words, for docs and dead-letter reasons.</summary>
    public const string Description = "ASCII letters, digits and . _ - @ +";

    /// <summary>Checks <paramref name="key"/>; on success <paramref name="text"/> is the key as a string.</summary>
    public static bool TryValidate(ReadOnlySpan<byte> key, int maxBytes, out string text, out string reason)
    {
        text = string.Empty;
        if (key.IsEmpty)
        {
            reason = "record has no key";
            return false;
        }
        if (key.Length > maxBytes)
        {
            reason = $"key is {key.Length} bytes, over limits.max-key-bytes ({maxBytes})";
            return false;
        }
        for (var i = 0; i < key.Length; i++)
        {
            if (!IsAllowed(key[i]))
            {
                reason = $"key {Printable.Of(key)} has a character outside {Description} at byte {i}";
                return false;
            }
        }
        text = Encoding.ASCII.GetString(key);
        reason = string.Empty;
        return true;
    }

    /// <summary>The same rule for a key that is already a string (e.g. read from a derived topic).</summary>
    public static bool IsValid(string key, int maxBytes)
    {
        if (key.Length == 0 || key.Length > maxBytes) return false;
        foreach (var c in key)
        {
            if (c > 0x7F || !IsAllowed((byte)c)) return false;
        }
        return true;
    }

    private static bool IsAllowed(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'.' or (byte)'_' or (byte)'-' or (byte)'@' or (byte)'+';
}
