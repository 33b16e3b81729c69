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

    /// <summary>
    /// A tab in the indentation of the line holding <paramref name="index"/> or of one of the two lines before it
    /// (the parser trips over such a tab up to a line later), or null. Only asked after the parser failed.
    /// </summary>
    public static Pos? TabIndentNear(string text, int index)
    {
        var errorLine = At(text, index).Line;
        var line = 1;
        var start = 0;
        Pos? found = null;
        while (start <= text.Length && line <= errorLine)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0) end = text.Length;
            if (line >= errorLine - 2)
            {
                for (var i = start; i < end && text[i] is ' ' or '\t'; i++)
                {
                    if (text[i] != '\t') continue;
                    found ??= new Pos(line, i - start + 1);
                    break;
                }
            }
            start = end + 1;
            line++;
        }
        return found;
    }

    /// <summary>Whether the '[' or '{' at <paramref name="open"/> is closed before <paramref name="limit"/> (quotes and comments skipped).</summary>
    public static bool ClosesBefore(string text, int open, int limit)
    {
        var pending = new Stack<char>();
        for (var i = open; i < limit && i < text.Length; i++)
        {
            switch (text[i])
            {
                case '[': pending.Push(']'); break;
                case '{': pending.Push('}'); break;
                case ']' or '}':
                    // A closer of the other kind closes nothing ('{a: [1}' leaves the '[' open).
                    if (pending.Count > 0 && pending.Peek() == text[i])
                    {
                        pending.Pop();
                        if (pending.Count == 0) return true;
                    }
                    break;
                case '"' or '\'':
                    var quote = text[i];
                    for (i++; i < limit && i < text.Length && text[i] != quote; i++)
                    {
                        if (quote == '"' && text[i] == '\\') i++;
                    }
                    break;
                case '#' when i > 0 && text[i - 1] is ' ' or '\t':
                    while (i < limit && i < text.Length && text[i] != '\n') i++;
                    break;
            }
        }
        return false;
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
