using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Topology.Files;

/// <summary>
/// Parses YAML text into YamlDotNet's representation model (which keeps line:col for every node), turning
/// every parser failure into a diagnostic. Size and nesting are bounded first, because the representation
/// model is built recursively and a hostile file must not be able to overflow the stack.
/// </summary>
internal static class YamlText
{
    public const int MaxBytes = 4 * 1024 * 1024;
    public const int MaxDepth = 64;

    /// <summary>The first document's root node, or null (with a diagnostic) when there is none.</summary>
    public static YamlNode? Parse(string text, DiagnosticBag diags)
    {
        if (text.Length > MaxBytes)
        {
            diags.Error(Pos.Start, $"file is larger than {MaxBytes / (1024 * 1024)} MiB");
            return null;
        }
        try
        {
            if (!CheckShape(text, diags)) return null;
            var stream = new YamlStream();
            stream.Load(new Parser(new StringReader(text)));
            if (stream.Documents.Count == 0)
            {
                diags.Error(Pos.Start, "file is empty");
                return null;
            }
            return stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            diags.Error(Pos.Of(ex.Start), "YAML: " + CleanMessage(ex));
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            // The parser reports a few malformed inputs with framework exceptions; they are still the file's fault.
            diags.Error(Pos.Start, "YAML: " + ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Walks the event stream (iteratively) to bound nesting, to report every duplicate key at once (the
    /// representation model stops at the first) and to warn about extra documents.
    /// </summary>
    private static bool CheckShape(string text, DiagnosticBag diags)
    {
        var parser = new Parser(new StringReader(text));
        var frames = new Stack<Frame>();
        var documents = 0;
        var duplicates = false;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case MappingStart or SequenceStart:
                    if (frames.Count >= MaxDepth)
                    {
                        diags.Error(Pos.Of(parser.Current.Start), $"YAML: nested deeper than {MaxDepth} levels");
                        return false;
                    }
                    frames.Push(new Frame(parser.Current is MappingStart));
                    break;
                case MappingEnd or SequenceEnd:
                    if (frames.Count > 0) frames.Pop();
                    NodeDone(frames, null, ref duplicates);
                    break;
                case Scalar scalar:
                    NodeDone(frames, scalar, ref duplicates);
                    break;
                case AnchorAlias:
                    NodeDone(frames, null, ref duplicates);
                    break;
                case DocumentStart start:
                    if (++documents == 2)
                        diags.Warning(Pos.Of(start.Start), "YAML: only the first document of the file is read");
                    break;
            }
        }
        return !duplicates;

        void NodeDone(Stack<Frame> stack, Scalar? scalar, ref bool found)
        {
            if (documents > 1 || stack.Count == 0 || !stack.Peek().IsMapping) return;
            var frame = stack.Peek();
            if (frame.ExpectKey && scalar is not null)
            {
                var pos = Pos.Of(scalar.Start);
                if (frame.Keys.TryGetValue(scalar.Value, out var first))
                {
                    diags.Error(pos, $"YAML: duplicate key '{scalar.Value}' (first at {first.Line}:{first.Column})");
                    found = true;
                }
                else frame.Keys[scalar.Value] = pos;
            }
            frame.ExpectKey = !frame.ExpectKey;
        }
    }

    private sealed class Frame(bool isMapping)
    {
        public bool IsMapping { get; } = isMapping;

        public bool ExpectKey { get; set; } = true;

        public Dictionary<string, Pos> Keys { get; } = new(StringComparer.Ordinal);
    }

    private static string CleanMessage(YamlException ex)
    {
        // YamlDotNet appends the position ("... Line: 2, Col: 1, Idx: 5"); ours is already in front.
        var message = ex.Message;
        var cut = message.IndexOf(" Line: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf("(Line: ", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}
