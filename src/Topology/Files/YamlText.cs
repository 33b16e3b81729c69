using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Topology.Files;

/// <summary>
/// Parses YAML text into YamlDotNet's representation model (which keeps line:col for every node), turning
/// every parser failure into a diagnostic at the offending line and column. Size and nesting are bounded first,
/// because the representation model is built recursively and a hostile file must not be able to overflow the stack.
/// </summary>
internal static class YamlText
{
    /// <summary>Largest file, in bytes of UTF-8 (the same limit as <see cref="SourceText.MaxBytes"/>).</summary>
    public const int MaxBytes = SourceText.MaxBytes;
    public const int MaxDepth = 64;

    /// <summary>The first document's root node, or null (with a diagnostic) when there is none.</summary>
    public static YamlNode? Parse(string text, DiagnosticBag diags)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var bytes = SourceText.ByteCount(text);
        if (bytes > MaxBytes)
        {
            diags.Error(Pos.Start, SourceText.TooLarge(bytes));
            return null;
        }
        if (!YamlChars.Check(text, diags)) return null;
        if (!YamlShape.Check(text, diags)) return null;
        var stream = new YamlStream();
        try
        {
            // The shape check has parsed the whole stream already; this second pass only builds the nodes.
            stream.Load(new Parser(new StringReader(text)));
        }
        catch (Exception ex) when (ex is YamlException or ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            var pos = ex is YamlException y && y.Start.Line > 0 ? Pos.Of(y.Start) : Pos.Start;
            diags.Error(pos, "YAML: " + YamlErrors.Message(ex));
            return null;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is null)
        {
            diags.Error(Pos.Start, "file is empty (no YAML document)");
            return null;
        }
        return stream.Documents[0].RootNode;
    }
}
