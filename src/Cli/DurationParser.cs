using System.CommandLine.Parsing;
using System.Globalization;

namespace ContactCenter.Cli;

/// <summary>Parses durations people type: <c>500ms</c>, <c>20s</c>, <c>2m</c>, <c>1h</c> or <c>hh:mm:ss</c>.</summary>
internal static class DurationParser
{
    private static readonly (string Suffix, double Seconds)[] Units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];

    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParse(text, out var value)) return value;
        result.AddError($"'{text}' is not a duration (use e.g. 500ms, 20s, 2m, 1h or 00:01:30)");
        return default;
    }

    public static bool TryParse(string text, out TimeSpan value)
    {
        text = text.Trim();
        foreach (var (suffix, seconds) in Units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && number >= 0)
            {
                value = TimeSpan.FromSeconds(number * seconds);
                return true;
            }
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }
}
