using System.Globalization;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// The fence's side of an agent state's per-part versions (<see cref="AgentStateWrite.PartVersions"/>, hash field
/// <c>_v</c>): <c>name=version</c> pairs separated by commas, names of ASCII letters, digits and <c>. _ -</c>, versions
/// canonical non-negative decimals. One state covers another when none of the other's parts is newer (a part it lacks
/// counts as version 0). The Lua fence (<see cref="FenceScript"/>) compares the same way.
/// </summary>
public static class PartVersionVector
{
    /// <summary>Whether <paramref name="text"/> is such a text (empty: an aggregate without parts).</summary>
    public static bool IsValid(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            var end = text.IndexOf(',');
            var pair = end < 0 ? text : text[..end];
            var eq = pair.IndexOf('=');
            if (eq <= 0 || !IsPartName(pair[..eq]) || !IsCanonical(pair[(eq + 1)..]))
                return false;
            if (end < 0)
                return true;
            text = text[(end + 1)..];
            if (text.IsEmpty)
                return false;
        }
        return true;
    }

    /// <summary>Whether the state with versions <paramref name="write"/> is at least as new as the one with
    /// <paramref name="held"/> in every part (both valid texts).</summary>
    public static bool Covers(string write, string held)
    {
        var mine = Parse(write);
        foreach (var (part, version) in Parse(held))
        {
            if (version > mine.GetValueOrDefault(part))
                return false;
        }
        return true;
    }

    /// <summary>The versions of a valid text, by part.</summary>
    public static Dictionary<string, long> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (text.Length == 0)
            return result;
        foreach (var pair in text.Split(','))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            result[pair[..eq]] = long.Parse(pair.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        return result;
    }

    private static bool IsPartName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > 249)
            return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                return false;
        }
        return true;
    }

    private static bool IsCanonical(ReadOnlySpan<char> digits)
    {
        if (digits.IsEmpty || (digits.Length > 1 && digits[0] == '0'))
            return false;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
                return false;
        }
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out _);
    }
}
