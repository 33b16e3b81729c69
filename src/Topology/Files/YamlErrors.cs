using YamlDotNet.Core;

namespace ContactCenter.Topology.Files;

/// <summary>Readable messages and positions for the exceptions YamlDotNet throws.</summary>
internal static class YamlErrors
{
    /// <summary>The exception's message without YamlDotNet's own position suffix (ours is in front).</summary>
    public static string Message(Exception ex)
    {
        if (ex is not YamlException) return "the file is not well-formed YAML here (an unclosed '[', '{' or quote?)";
        var message = ex.Message;
        var cut = message.IndexOf(" Line: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf("(Line: ", StringComparison.Ordinal);
        message = (cut > 0 ? message[..cut] : message).Trim();
        if (message.StartsWith("While scanning a multi-line double-quoted scalar", StringComparison.Ordinal)
            || message.StartsWith("While scanning a quoted scalar, found unexpected end of stream", StringComparison.Ordinal))
            message += " (is a closing quote missing?)";
        return message;
    }

    /// <summary>
    /// Where the error is: the exception's mark, moved onto the tab a tab error is about (YamlDotNet marks the
    /// token before it), or the scanner's position when the exception carries none.
    /// </summary>
    public static Pos Position(Exception ex, string text, Mark scannerPosition)
    {
        var mark = ex is YamlException y && y.Start.Line > 0 ? y.Start : scannerPosition;
        if (ex.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            var tab = text.IndexOf('\t', (int)Math.Clamp(mark.Index, 0, text.Length));
            if (tab >= 0) return At(text, tab);
        }
        return mark.Line > 0 ? Pos.Of(mark) : Pos.Start;
    }

    /// <summary>The 1-based line and column of character <paramref name="index"/>.</summary>
    public static Pos At(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n') { line++; lineStart = i + 1; }
        }
        return new Pos(line, index - lineStart + 1);
    }
}
