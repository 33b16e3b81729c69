using System.Globalization;
using System.Security;
using System.Text;

namespace ContactCenter.Topology.Files;

/// <summary>Pictures of a topology: Mermaid text and a self-contained SVG laid out in columns by data-flow depth.</summary>
internal static class TopologyDiagram
{
    private enum Kind { Source, Stage, Store, Topic, Redis, Queue }

    private sealed record Node(string Id, Kind Kind, string Title, string Subtitle)
    {
        public bool DeadLetter { get; init; }
    }

    private sealed record Edge(string From, string To, bool Dashed, string? Label);

    /// <summary>The nodes and edges; every name in titles and subtitles is shortened to <paramref name="nameChars"/> characters.</summary>
    private static (List<Node> Nodes, List<Edge> Edges) Graph(TopologyModel model, int nameChars = int.MaxValue)
    {
        string N(string name) => DiagramText.Shorten(name, nameChars);
        var nodes = new List<Node>();
        var edges = new List<Edge>();
        var ids = new DiagramIds();
        string Source(string name) => ids.For("source", name);
        string Sink(string name) => ids.For("sink", name);
        string Stage(string name) => ids.For("stage", name);
        string Store(string name) => ids.For("store", name);
        foreach (var s in model.Sources)
            nodes.Add(new Node(Source(s.Name.Value), Kind.Source, N(s.Name.Value), $"topic {N(s.Topic.Value)} · {s.Partitions.Value} partitions · key {N(s.Key.Value)}"));
        foreach (var s in model.Sinks)
        {
            nodes.Add(s.Kind switch
            {
                SinkKind.Kafka => new Node(Sink(s.Name.Value), Kind.Topic, N(s.Name.Value), $"topic {N(s.Topic!.Value)} · {s.Partitions!.Value} partitions"),
                SinkKind.Redis => new Node(Sink(s.Name.Value), Kind.Redis, N(s.Name.Value), $"Redis hash {N(s.KeyPattern!.Value)}"),
                _ => new Node(Sink(s.Name.Value), Kind.Queue, N(s.Name.Value), $"durable queue {N(s.Queue!.Value)}"),
            });
        }
        foreach (var stage in model.Stages)
        {
            var id = Stage(stage.Name.Value);
            nodes.Add(new Node(id, Kind.Stage, N(stage.Name.Value), $"group {N(stage.Group.Value)} · {stage.Replicas.Value} replica{(stage.Replicas.Value == 1 ? "" : "s")}"));
            foreach (var read in stage.Reads)
            {
                var from = model.Source(read.Value) is not null ? Source(read.Value) : Sink(read.Value);
                edges.Add(new Edge(from, id, false, null));
            }
            foreach (var store in stage.Stores)
            {
                nodes.Add(new Node(Store(store.Name.Value), Kind.Store, N(store.Name.Value), $"{store.Kind} store · changelog {N(store.Changelog.Value)}"));
                edges.Add(new Edge(id, Store(store.Name.Value), true, null));
            }
            foreach (var sink in stage.Sinks)
                edges.Add(new Edge(id, Sink(sink.Value), false, null));
            foreach (var count in stage.Processors.OfType<CountDef>())
            {
                var countId = ids.For("count", count.Name.Value);
                nodes.Add(new Node(countId, Kind.Redis, N(count.Name.Value), $"counts by {N(string.Join(", ", count.By.Select(b => b.Value)))} · Redis hash {N(count.Key.Value)}"));
                edges.Add(new Edge(id, countId, false, "counted in the fenced write"));
            }
            edges.Add(new Edge(id, Sink(stage.DeadLetter.Value), true, "dead letters"));
        }
        // A window is a stage of its own: its store, its Redis hashes (one per group and window) and its changelog.
        foreach (var window in model.Windows)
        {
            var id = Stage(window.Name.Value);
            var shape = window.Advance is { } a && a.Value != window.Size.Value
                ? $"hopping {DurationType.Format(window.Size.Value)} every {DurationType.Format(a.Value)}"
                : $"tumbling {DurationType.Format(window.Size.Value)}";
            nodes.Add(new Node(id, Kind.Stage, N(window.Name.Value), $"window · {shape} · by {N(string.Join(", ", window.GroupBy.Select(g => g.Value)))} · group {N(window.Group.Value)}"));
            edges.Add(new Edge(model.Source(window.From.Value) is not null ? Source(window.From.Value) : Sink(window.From.Value), id, false, null));
            nodes.Add(new Node(Store(window.Store.Value), Kind.Store, N(window.Store.Value), $"faster window store · retention {DurationType.Format(window.Retention.Value)}"));
            edges.Add(new Edge(id, Store(window.Store.Value), true, null));
            var redis = ids.For("windowkeys", window.Name.Value);
            nodes.Add(new Node(redis, Kind.Redis, N(window.Name.Value), $"Redis hash {N(window.KeyPattern.Value)}:start · ttl {DurationType.Format(window.Ttl.Value)}"));
            edges.Add(new Edge(id, redis, false, null));
            edges.Add(new Edge(id, Sink(window.Changelog.Value), false, null));
            edges.Add(new Edge(id, Sink(window.DeadLetter.Value), true, "dead letters"));
        }
        var nodeIds = nodes.Select(n => n.Id).ToHashSet();
        var deadLetters = model.Stages.Select(s => Sink(s.DeadLetter.Value)).Concat(model.Windows.Select(w => Sink(w.DeadLetter.Value))).ToHashSet();
        nodes = nodes.Select(n => n with { DeadLetter = n.Kind == Kind.Topic && deadLetters.Contains(n.Id) }).ToList();
        return (nodes, edges.Where(e => nodeIds.Contains(e.From) && nodeIds.Contains(e.To)).Distinct().ToList());
    }

    public static string Mermaid(TopologyModel model)
    {
        // Mermaid sizes boxes to their text: only very long names are shortened, the full text goes in a comment.
        var (nodes, edges) = Graph(model, DiagramText.MermaidNameChars);
        var full = Graph(model).Nodes.ToDictionary(n => n.Id);
        var text = new StringBuilder();
        text.Append("flowchart LR\n");
        text.Append($"  %% topology {model.Name}\n");
        foreach (var n in nodes)
        {
            var whole = full[n.Id];
            if (whole.Title != n.Title || whole.Subtitle != n.Subtitle) text.Append($"  %% {n.Id}: {whole.Title} ({whole.Subtitle})\n");
            var label = $"\"<b>{Label(n.Title)}</b><br/>{Label(n.Subtitle)}\"";
            text.Append("  ").Append(n.Id).Append(n.Kind switch
            {
                Kind.Source or Kind.Topic => $"[/{label}/]",
                Kind.Stage => $"[[{label}]]",
                Kind.Store or Kind.Redis => $"[({label})]",
                _ => $"[{label}]",
            }).Append('\n');
        }
        foreach (var e in edges)
        {
            var arrow = e.Dashed ? (e.Label is null ? "-.-" : $"-. {e.Label} .->") : "-->";
            text.Append($"  {e.From} {arrow} {e.To}\n");
        }
        foreach (var kind in new[] { Kind.Source, Kind.Stage, Kind.Store, Kind.Topic, Kind.Redis, Kind.Queue })
        {
            var members = nodes.Where(n => n.Kind == kind).Select(n => n.Id).ToList();
            if (members.Count > 0) text.Append($"  class {string.Join(",", members)} {kind.ToString().ToLowerInvariant()}\n");
        }
        foreach (var kind in new[] { Kind.Source, Kind.Stage, Kind.Store, Kind.Topic, Kind.Redis, Kind.Queue })
        {
            var (fill, stroke) = Colors(kind);
            text.Append($"  classDef {kind.ToString().ToLowerInvariant()} fill:{fill},stroke:{stroke}\n");
        }
        return text.ToString();
    }

    private static string Label(string text) => text.Replace("\"", "#quot;").Replace("<", "#lt;").Replace(">", "#gt;");

    private static (string Fill, string Stroke) Colors(Kind kind) => kind switch
    {
        Kind.Source => ("#dbeafe", "#1d4ed8"),
        Kind.Stage => ("#ffedd5", "#c2410c"),
        Kind.Store => ("#f3f4f6", "#4b5563"),
        Kind.Topic => ("#e0f2fe", "#0369a1"),
        Kind.Redis => ("#fee2e2", "#b91c1c"),
        _ => ("#dcfce7", "#15803d"),
    };

    private const int BoxWidth = 270;
    private const int BoxHeight = 54;
    private const int ColumnGap = 90;
    private const int RowGap = 34;
    private const int Margin = 30;

    public static string Svg(TopologyModel model)
    {
        var (nodes, edges) = Graph(model);
        // The boxes have a fixed width: names in subtitles are shortened, and the full text is the box's tooltip.
        var shortSubtitles = Graph(model, DiagramText.SvgNameChars).Nodes.ToDictionary(n => n.Id, n => n.Subtitle);
        // Column = data-flow depth: sources 0, a stage one right of what it reads, a sink one right of its writer.
        // Stores sit in their stage's column. Depth is bounded by the node count (valid files have no cycles).
        var depth = nodes.ToDictionary(n => n.Id, _ => 0);
        for (var round = 0; round < nodes.Count; round++)
        {
            var changed = false;
            foreach (var e in edges)
            {
                var to = nodes.First(n => n.Id == e.To);
                var wanted = to.Kind == Kind.Store ? depth[e.From] : depth[e.From] + 1;
                if (depth[e.To] < wanted && wanted <= nodes.Count) { depth[e.To] = wanted; changed = true; }
            }
            if (!changed) break;
        }
        var columns = nodes.GroupBy(n => depth[n.Id]).OrderBy(g => g.Key).ToList();
        var position = new Dictionary<string, (int X, int Y)>();
        var height = 0;
        foreach (var column in columns)
        {
            var row = 0;
            // Stores directly under their stage; dead-letter topics last so the main flow reads straight across.
            foreach (var n in column.OrderBy(n => n.Kind == Kind.Store ? 1 : 0).ThenBy(n => n.DeadLetter ? 1 : 0))
            {
                var x = Margin + column.Key * (BoxWidth + ColumnGap);
                var y = Margin + row * (BoxHeight + RowGap);
                position[n.Id] = (x, y);
                height = Math.Max(height, y + BoxHeight + Margin);
                row++;
            }
        }
        var width = Margin * 2 + columns.Count * BoxWidth + (columns.Count - 1) * ColumnGap;
        // Edges that skip a column run along lanes under the boxes instead of through the boxes in between.
        var longEdges = edges.Where(e => position[e.To].X - position[e.From].X > BoxWidth + ColumnGap).ToList();
        var laneTop = height;
        height += longEdges.Count * 12 + (longEdges.Count > 0 ? 10 : 0);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height + 20}\" viewBox=\"0 0 {width} {height + 20}\" font-family=\"Helvetica, Arial, sans-serif\">\n");
        svg.Append($"  <title>{Xml(model.Name)}</title>\n");
        svg.Append("  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#374151\"/></marker></defs>\n");
        svg.Append("  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        foreach (var e in edges)
        {
            var (fx, fy) = position[e.From];
            var (tx, ty) = position[e.To];
            var dash = e.Dashed ? " stroke-dasharray=\"5 4\"" : string.Empty;
            string path;
            var lane = longEdges.IndexOf(e);
            if (lane >= 0)
            {
                // Out of the right side into the column gap, down to the lane, across, and up into the target.
                int x0 = fx + BoxWidth, y0 = fy + BoxHeight / 2 + 8, x1 = x0 + ColumnGap / 3 + lane * 6, y = laneTop + lane * 12, x2 = tx - 18 - lane * 6, y2 = ty + BoxHeight / 2;
                path = $"M {x0} {y0} L {x1} {y0} L {x1} {y} L {x2} {y} L {x2} {y2} L {tx} {y2}";
            }
            else if (fx == tx)
                path = $"M {fx + BoxWidth / 2} {fy + BoxHeight} L {tx + BoxWidth / 2} {ty}";
            else
            {
                int x1 = fx + BoxWidth, y1 = fy + BoxHeight / 2, x2 = tx, y2 = ty + BoxHeight / 2, mid = (x1 + x2) / 2;
                path = $"M {x1} {y1} C {mid} {y1}, {mid} {y2}, {x2} {y2}";
            }
            var marker = fx == tx ? string.Empty : " marker-end=\"url(#arrow)\"";
            svg.Append($"  <path d=\"{path}\" fill=\"none\" stroke=\"#374151\" stroke-width=\"1.5\"{dash}{marker}/>\n");
        }
        foreach (var n in nodes)
        {
            var (x, y) = position[n.Id];
            var (fill, stroke) = Colors(n.Kind);
            var rx = n.Kind switch { Kind.Stage => 4, Kind.Store or Kind.Redis => 18, _ => 10 };
            svg.Append($"  <g id=\"{n.Id}\">\n");
            // The full names as a tooltip: the box shows them shortened when they are long.
            svg.Append($"    <title>{Xml($"{KindLabel(n.Kind)}{n.Title}: {n.Subtitle}")}</title>\n");
            svg.Append($"    <rect x=\"{x}\" y=\"{y}\" width=\"{BoxWidth}\" height=\"{BoxHeight}\" rx=\"{rx}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{(n.Kind == Kind.Stage ? 2 : 1.5).ToString(CultureInfo.InvariantCulture)}\"/>\n");
            svg.Append($"    <text x=\"{x + BoxWidth / 2}\" y=\"{y + 22}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\" fill=\"#111827\">{Xml(KindLabel(n.Kind) + DiagramText.Shorten(n.Title, DiagramText.TitleChars - KindLabel(n.Kind).Length))}</text>\n");
            svg.Append($"    <text x=\"{x + BoxWidth / 2}\" y=\"{y + 41}\" text-anchor=\"middle\" font-size=\"10.5\" fill=\"#374151\">{Xml(DiagramText.Cut(shortSubtitles[n.Id], DiagramText.SubtitleChars))}</text>\n");
            svg.Append("  </g>\n");
        }
        svg.Append($"  <text x=\"{Margin}\" y=\"{height + 8}\" font-size=\"11\" fill=\"#6b7280\">{Xml($"topology {model.Name}: solid = records, dashed = store / dead letters")}</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }


    private static string KindLabel(Kind kind) => kind switch
    {
        Kind.Source => "source ",
        Kind.Stage => "stage ",
        Kind.Store => "store ",
        _ => string.Empty,
    };


    private static string Xml(string text) => SecurityElement.Escape(text) ?? string.Empty;
}
