using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ContactCenter.Topology.Files;

/// <summary>
/// Walks the YAML event stream (iteratively) before any node is built: bounds nesting, reports every duplicate
/// key at once (the representation model stops at the first), reports an alias to an unknown anchor at the
/// alias, warns about extra documents, and turns every parser failure into a diagnostic at its position.
/// </summary>
internal static class YamlShape
{
    public static bool Check(string text, DiagnosticBag diags)
    {
        var scanner = new Scanner(new StringReader(text));
        var parser = new Parser(scanner);
        var frames = new Stack<Frame>();
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var documents = 0;
        var ok = true;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                if (current is NodeEvent { Anchor: { IsEmpty: false } anchor }) anchors.Add(anchor.Value);
                switch (current)
                {
                    case MappingStart or SequenceStart:
                        if (frames.Count >= YamlText.MaxDepth)
                        {
                            diags.Error(Pos.Of(current.Start), $"YAML: nested deeper than {YamlText.MaxDepth} levels");
                            return false;
                        }
                        NodeStarted(frames);
                        frames.Push(new Frame(current is MappingStart, IsFlow(current), Pos.Of(current.Start), (int)current.Start.Index));
                        break;
                    case MappingEnd or SequenceEnd:
                        if (frames.Count > 0) frames.Pop();
                        break;
                    case Scalar scalar:
                        KeyOrValue(frames, scalar);
                        break;
                    case AnchorAlias alias:
                        if (!anchors.Contains(alias.Value.Value))
                        {
                            diags.Error(Pos.Of(alias.Start), $"YAML: alias '*{alias.Value.Value}' refers to no anchor defined before it (define '&{alias.Value.Value}' first)");
                            ok = false;
                        }
                        KeyOrValue(frames, null);
                        break;
                    case DocumentStart start:
                        anchors.Clear();
                        if (++documents == 2)
                            diags.Warning(Pos.Of(start.Start), "YAML: only the first document of the file is read");
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is YamlException or ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            var pos = YamlErrors.Position(ex, text, scanner.CurrentPosition);
            // The scanner reads ahead: the furthest position it reached bounds where the real defect can be.
            var reached = (int)Math.Clamp(Math.Max(scanner.CurrentPosition.Index, ex is YamlException y ? y.Start.Index : 0), 0, text.Length);
            if (YamlErrors.TabIndentNear(text, reached) is { } tab)
                diags.Error(tab, $"YAML: a tab is used for indentation; YAML indents with spaces only ({YamlErrors.Message(ex)})");
            else if (frames.FirstOrDefault(f => f.IsFlow && !YamlErrors.ClosesBefore(text, f.Index, reached)) is { } open)
            {
                // The parser notices an unclosed '[' or '{' only lines later; the bracket is what needs fixing.
                var bracket = open.IsMapping ? '{' : '[';
                diags.Error(open.Start, $"YAML: '{bracket}' is never closed (the parser gave up at {pos.Line}:{pos.Column}: {YamlErrors.Message(ex)})");
            }
            else diags.Error(pos, "YAML: " + YamlErrors.Message(ex));
            return false;
        }
        return ok;

        // A collection that is a mapping's key or value takes its turn like a scalar would.
        void NodeStarted(Stack<Frame> stack) => KeyOrValue(stack, null);

        void KeyOrValue(Stack<Frame> stack, Scalar? scalar)
        {
            if (documents > 1 || stack.Count == 0 || !stack.Peek().IsMapping) return;
            var frame = stack.Peek();
            if (frame.ExpectKey && scalar is not null)
            {
                var pos = Pos.Of(scalar.Start);
                if (frame.Keys.TryGetValue(scalar.Value, out var first))
                {
                    diags.Error(pos, $"YAML: duplicate key '{scalar.Value}' (first at {first.Line}:{first.Column})");
                    ok = false;
                }
                else frame.Keys[scalar.Value] = pos;
            }
            frame.ExpectKey = !frame.ExpectKey;
        }
    }

    private static bool IsFlow(ParsingEvent e) =>
        e is MappingStart { Style: MappingStyle.Flow } or SequenceStart { Style: SequenceStyle.Flow };

    private sealed class Frame(bool isMapping, bool isFlow, Pos start, int index)
    {
        public int Index { get; } = index;

        public bool IsMapping { get; } = isMapping;

        public bool IsFlow { get; } = isFlow;

        public Pos Start { get; } = start;

        public bool ExpectKey { get; set; } = true;

        public Dictionary<string, Pos> Keys { get; } = new(StringComparer.Ordinal);
    }
}
