namespace ContactCenter.Topology.Files;

/// <summary>
/// Characters YAML does not allow in a stream (C0 controls other than tab, LF and CR, DEL, C1 controls other
/// than NEL, U+FFFE/U+FFFF, unpaired surrogates). They are reported at their own line and column instead of as
/// the parser's later, vaguer failure.
/// </summary>
internal static class YamlChars
{
    public static bool Check(string text, DiagnosticBag diags)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\n') { line++; column = 1; continue; }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                column++;
                continue;
            }
            if (!Allowed(c))
            {
                diags.Error(new Pos(line, column), $"YAML: character U+{(int)c:X4} is not allowed in a YAML file{(c == '\t' ? "" : " (a control character or an unpaired surrogate)")}");
                return false;
            }
            column++;
        }
        return true;
    }

    private static bool Allowed(char c) => c switch
    {
        '\t' or '\r' or '\n' => true,
        < ' ' => false,
        >= '\u007F' and <= '\u009F' => c == '\u0085',
        '\uFFFE' or '\uFFFF' => false,
        _ => !char.IsSurrogate(c),
    };
}
