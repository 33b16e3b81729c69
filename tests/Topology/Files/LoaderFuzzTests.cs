using ContactCenter.Processor.Pipeline;
using System.Text;
using ContactCenter.Topology.Files;
using FsCheck;
using FsCheck.Fluent;
using Xunit;
using ContactCenter.Cli;
using ContactCenter.Sandbox.Fixtures;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>
/// No input, however broken, may crash the loader or the tools: random text, random YAML trees built from the
/// format's own field names, and mutations of the shipped files all end in diagnostics (never an internal error).
/// </summary>
[Trait("Kind", "Property")]
public class LoaderFuzzTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(400);

    private static readonly string[] Tokens =
    [
        "version", "name", "sources", "sinks", "stages", "topic", "key", "partitions", "type", "kafka", "redis", "queue",
        "reads", "processors", "stores", "changelog", "merge", "parts", "primary", "fields", "filter", "map", "dedup",
        "ttl", "group", "replicas", "dead-letter", "agent", "user-aggregate", "cc:agent:{key}", "1", "6", "-1", "0",
        "99999999999999999999", "true", "yes", "~", "null", "\"\"", "''", "[]", "{}", "10m", "0s", "&a", "*a", "*b",
        "!!str", "!!binary", "!custom", "<<", "%YAML 1.2", "---", "...", "#", "|", ">", "?", "{key}", "é", "\t", "\\",
        "\"", "'", "`", "@", "\u0000", "\uFFFF", "\ud800",
    ];

    private static readonly string[] Punctuation = [":", ": ", "- ", "\n", "\n  ", "\n    ", " ", ",", "[", "]", "{", "}"];

    private static LoadResult AssertSurvives(string text)
    {
        var result = TopologyLoader.Parse(text, "fuzz.yaml");
        Assert.DoesNotContain(result.Diagnostics, d => d.Message.Contains("internal error", StringComparison.Ordinal));
        Assert.All(result.Diagnostics, d => Assert.True(d.Line >= 1 && d.Column >= 1, d.ToString()));
        Assert.Equal(result.HasErrors, result.Spec is null);
        if (result.Model is { } model && !result.HasErrors)
        {
            // Whatever loads cleanly must also describe (building the real Streamiz topology), draw and plan.
            Assert.NotEmpty(PipelineDescriber.Describe(result.Spec!));
            Assert.NotEmpty(TopologyDiagram.Mermaid(model));
            System.Xml.Linq.XDocument.Parse(TopologyDiagram.Svg(model));
            var original = TopologyLoader.Load(Repo.AgentState).Model!;
            DeploymentPlanner.Plan(original, model, "new.yaml");
            DeploymentPlanner.Plan(model, original, "new.yaml");
        }
        return result;
    }

    [Fact]
    public void RandomTokenSoup()
    {
        var piece = Gen.OneOf(Gen.Elements(Tokens), Gen.Elements(Punctuation), Gen.Elements(Punctuation));
        var gen = Gen.ListOf(piece).Select(parts => string.Concat(parts));
        Check.One(Runs, Prop.ForAll(Arb.From(gen), text => AssertSurvives(text)));
    }

    [Fact]
    public void RandomStrings()
    {
        Check.One(Runs, Prop.ForAll(ArbMap.Default.ArbFor<string>(), text => AssertSurvives(text ?? string.Empty)));
    }

    /// <summary>Random YAML trees whose keys are the format's field names, so values reach deep into the field tables.</summary>
    [Fact]
    public void RandomTreesOfKnownFields()
    {
        var gen = Gen.Sized(size => Tree(Math.Min(size, 12))).Select(node => Render(node, 0));
        var fieldErrors = 0;
        Check.One(Runs, Prop.ForAll(Arb.From(gen), text =>
        {
            if (AssertSurvives(text).Diagnostics.Any(d => d.Message.Contains(" must be ", StringComparison.Ordinal))) fieldErrors++;
        }));
        Assert.True(fieldErrors > 20, $"only {fieldErrors} trees reached the field checks");
    }

    private abstract record Node;

    private sealed record Scalar(string Text) : Node;

    private sealed record Mapping(IReadOnlyList<(string Key, Node Value)> Entries) : Node;

    private sealed record Sequence(IReadOnlyList<Node> Items) : Node;

    private static Gen<Node> Tree(int size)
    {
        var scalar = Gen.Elements(Tokens.Where(t => !t.Contains('\n') && t.Length > 0).ToArray()).Select(t => (Node)new Scalar(t));
        if (size <= 0) return scalar;
        var keys = Gen.Elements(Tokens[..30]);
        var child = Gen.Sized(s => Tree(size / 2));
        var mapping = Gen.ListOf(Gen.Zip(keys, Tree(size / 2))).Select(e => (Node)new Mapping(e.DistinctBy(x => x.Item1).Select(x => (x.Item1, x.Item2)).ToList()));
        var sequence = Gen.ListOf(Tree(size / 2)).Select(items => (Node)new Sequence(items.ToList()));
        return Gen.Frequency((1, scalar), (3, mapping), (2, sequence));
    }

    private static string Render(Node node, int indent)
    {
        var pad = new string(' ', indent);
        var sb = new StringBuilder();
        switch (node)
        {
            case Scalar s:
                return Quote(s.Text);
            case Mapping { Entries.Count: 0 }:
                return "{}";
            case Sequence { Items.Count: 0 }:
                return "[]";
            case Mapping m:
                foreach (var (key, value) in m.Entries)
                    sb.Append('\n').Append(pad).Append(key).Append(": ").Append(Render(value, indent + 2));
                return sb.ToString();
            case Sequence q:
                foreach (var item in q.Items)
                {
                    var rendered = Render(item, indent + 2);
                    sb.Append('\n').Append(pad).Append("- ").Append(rendered.StartsWith('\n') ? "\n" + pad + "  " + rendered.TrimStart('\n').TrimStart() : rendered);
                }
                return sb.ToString();
        }
        return string.Empty;
    }

    private static string Quote(string text) => text.IndexOfAny([':', '#', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '\\', '?']) >= 0 || text is "-" or "---" or "..."
        ? "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""
        : text;

    private enum Mutation { DeleteLine, DuplicateLine, SwapLines, Indent, Dedent, InsertToken, Truncate, ReplaceChar, ReplaceValue }

    private static string Mutate(string text, Mutation mutation, int a, int b, string token)
    {
        var lines = text.Split('\n').ToList();
        int Line(int x) => Math.Abs(x % lines.Count);
        switch (mutation)
        {
            case Mutation.DeleteLine: lines.RemoveAt(Line(a)); break;
            case Mutation.DuplicateLine: lines.Insert(Line(a), lines[Line(a)]); break;
            case Mutation.SwapLines: (lines[Line(a)], lines[Line(b)]) = (lines[Line(b)], lines[Line(a)]); break;
            case Mutation.Indent: lines[Line(a)] = "  " + lines[Line(a)]; break;
            case Mutation.Dedent: lines[Line(a)] = lines[Line(a)].StartsWith("  ", StringComparison.Ordinal) ? lines[Line(a)][2..] : lines[Line(a)]; break;
            case Mutation.InsertToken:
                var pos = Math.Abs(a % (text.Length + 1));
                return text[..pos] + token + text[pos..];
            case Mutation.Truncate: return text[..Math.Abs(a % (text.Length + 1))];
            case Mutation.ReplaceChar:
                var at = Math.Abs(a % text.Length);
                return text[..at] + (token.Length > 0 ? token[0] : ' ') + text[(at + 1)..];
            case Mutation.ReplaceValue:
                var line = lines[Line(a)];
                var colon = line.IndexOf(": ", StringComparison.Ordinal);
                if (colon > 0) lines[Line(a)] = line[..(colon + 2)] + token;
                break;
        }
        return string.Join('\n', lines);
    }

    private static Gen<string> Mutations(string original) =>
        from steps in Gen.ListOf(Gen.Zip(Gen.Zip(Gen.Elements(Enum.GetValues<Mutation>()), Gen.Elements(Tokens)), Gen.Zip(Gen.Choose(0, 100_000), Gen.Choose(0, 100_000))))
        select steps.Take(4).Aggregate(original, (text, s) => text.Length == 0 ? text : Mutate(text, s.Item1.Item1, s.Item2.Item1, s.Item2.Item2, s.Item1.Item2));

    [Fact]
    public void MutationsOfTheShippedTopologies()
    {
        var files = new[] { Repo.AgentState, Repo.File("topologies/examples/agent-calls.yaml") };
        var gen = Gen.Elements(files.Select(File.ReadAllText).ToArray()).SelectMany(Mutations);
        int valid = 0, invalid = 0;
        Check.One(Runs.WithMaxTest(1500), Prop.ForAll(Arb.From(gen), text =>
        {
            if (AssertSurvives(text).HasErrors) invalid++;
            else valid++;
        }));
        // Both outcomes must occur, or the mutations are not exercising anything.
        Assert.True(valid > 50 && invalid > 200, $"valid {valid}, invalid {invalid}");
    }

    [Fact]
    public async Task MutationsOfTheShippedFixtures()
    {
        var dir = Repo.File("topologies/fixtures");
        var fixtures = Directory.GetFiles(dir, "*.yaml").Select(File.ReadAllText).ToArray();
        var gen = Gen.Elements(fixtures).SelectMany(Mutations);
        foreach (var text in gen.Sample(400))
        {
            var result = await FixtureRunner.RunTextAsync(text, Path.Combine(dir, "fuzz.yaml"));
            Assert.DoesNotContain(result.Diagnostics, d => d.Message.Contains("internal error", StringComparison.Ordinal));
        }
    }
}

[Trait("Kind", "Unit")]
public class AliasBombTests
{
    private const string Bomb = """
        a: &a [x, x, x, x, x, x, x, x, x, x]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
        """;

    [Fact]
    public void TopologyWithExpandingAliasesIsRejectedQuickly()
    {
        var result = TopologyLoader.Parse(Bomb + "\nsources: [*h, *h]\nsinks: *h\nstages: [*h]\n", "bomb.yaml");
        Assert.True(result.HasErrors);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("unknown field 'a'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FixtureWithExpandingAliasesIsRejectedQuickly()
    {
        // The input value defines the anchors; the expectation reuses the largest one.
        var text = $"topology: ../agent-state.yaml\ninput:\n  - topic: agent\n    key: a-1\n    op: CREATED\n    value: {Nest()}\nexpect:\n  redis:\n    \"cc:agent:a-1\": {{x: *h}}\n";
        var result = await FixtureRunner.RunTextAsync(text, Repo.File("topologies/fixtures/bomb.yaml"));
        Assert.False(result.Passed);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("value is too large", StringComparison.Ordinal));
    }

    /// <summary>A flow value defining and using its anchors inline: 10^8 nodes once expanded.</summary>
    private static string Nest()
    {
        var parts = new List<string> { "a: &a [x, x, x, x, x, x, x, x, x, x]" };
        for (var c = 'b'; c <= 'h'; c++)
        {
            var prev = (char)(c - 1);
            parts.Add($"{c}: &{c} [{string.Join(", ", Enumerable.Repeat("*" + prev, 10))}]");
        }
        return "{" + string.Join(", ", parts) + "}";
    }
}
