namespace ContactCenter.Topology.Files;

/// <summary>Shortening of long names in diagram boxes (the full text is kept in a tooltip or comment).</summary>
internal static class DiagramText
{
    /// <summary>Characters of a box title (bold, 14 px, in a 270 px box).</summary>
    public const int TitleChars = 30;

    /// <summary>Characters of a box subtitle (10.5 px).</summary>
    public const int SubtitleChars = 48;

    /// <summary>Longest name in an SVG subtitle, so that a line with one long name still fits.</summary>
    public const int SvgNameChars = 22;

    /// <summary>Longest name in a Mermaid box (Mermaid sizes boxes to their text; this only stops very long names).</summary>
    public const int MermaidNameChars = 48;

    /// <summary>The text, or its start and end around a '…' when it is longer than <paramref name="max"/> characters.</summary>
    public static string Shorten(string text, int max)
    {
        max = Math.Max(max, 5);
        if (text.Length <= max) return text;
        var head = (max - 1) / 2;
        var tail = max - 1 - head;
        return text[..head] + "…" + text[^tail..];
    }

    /// <summary>The text, or its first characters and '…' when it is longer than <paramref name="max"/> characters.</summary>
    public static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
