using System.Text;

namespace ContactCenter.Topology.Events;

/// <summary>
/// Renders untrusted bytes for a message a person reads (dead-letter reasons, logs): quoted, at most 64 characters,
/// with control characters, quotes and invalid UTF-8 escaped, so a hostile value can neither flood nor forge a line.
/// </summary>
internal static class Printable
{
    private const int MaxChars = 64;

    public static string Of(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(Math.Min(bytes.Length, MaxChars) + 8).Append('\'');
        var rest = bytes;
        var shown = 0;
        while (!rest.IsEmpty && shown < MaxChars)
        {
            var status = Rune.DecodeFromUtf8(rest, out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
                text.Append("\\x").Append(rest[0].ToString("x2"));
            else if (Rune.IsControl(rune) || rune.Value is '\'' or '\\')
                text.Append(rune.Value < 0x100 ? $"\\x{rune.Value:x2}" : $"\\u{rune.Value:x4}");
            else
                text.Append(rune.ToString());
            rest = rest[(status == System.Buffers.OperationStatus.Done ? consumed : 1)..];
            shown++;
        }
        text.Append('\'');
        if (!rest.IsEmpty) text.Append($" (+{rest.Length} bytes)");
        return text.ToString();
    }

    public static string Of(string text) => Of(Encoding.UTF8.GetBytes(text));
}
