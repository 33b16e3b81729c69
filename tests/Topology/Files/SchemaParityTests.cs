using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ContactCenter.Topology.Files;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Tests.Topology.Files;

/// <summary>
/// The CLI is exactly as strict as the published JSON Schema. The test walks the schema alongside the shipped
/// files and, for every constraint it meets (type, pattern, enum/const, minimum/maximum, required,
/// additionalProperties, minItems, oneOf), writes files that violate or satisfy it. For each, the verdict of a
/// real JSON Schema validator (JsonSchema.Net, on the YAML read with YAML 1.2's core schema, as an editor does) must
/// equal the CLI's: a file the schema rejects, <c>validate</c> rejects; a file the schema accepts gets no error from
/// the CLI's field tables (pipeline rules, which the schema cannot express, may still apply).
/// </summary>
[Trait("Kind", "Unit")]
public class SchemaParityTests
{
    // JsonSchema.Net runs patterns with .NET's Regex, where '$' also matches before a final newline; in ECMAScript
    // (the pattern dialect of JSON Schema, and what editors run) it does not. '\z' gives .NET the ECMAScript meaning.
    private static readonly JsonSchema Schema = JsonSchema.FromText(
        File.ReadAllText(Repo.File("topologies/topology.schema.json")).Replace("$\"", "\\\\z\"", StringComparison.Ordinal));
    private static readonly JsonElement SchemaJson = JsonDocument.Parse(File.ReadAllText(Repo.File("topologies/topology.schema.json"))).RootElement;

    private sealed record Mutation(string Where, string What, YamlNode Document);

    [Theory]
    [InlineData("topologies/agent-state.yaml")]
    [InlineData("topologies/examples/agent-calls.yaml")]
    [InlineData("topologies/examples/agent-supervisors.yaml")]
    public void CliVerdictEqualsSchemaVerdictForEveryMutation(string file)
    {
        var original = LoadYaml(File.ReadAllText(Repo.File(file)));
        var mutations = new List<Mutation>();
        Walk(original, SchemaJson, [], original, mutations);
        Assert.True(mutations.Count > 200, $"only {mutations.Count} mutations");

        var mismatches = new List<string>();
        var rejected = 0;
        foreach (var mutation in mutations)
        {
            var text = Save(mutation.Document);
            // The schema judges the file as written (what Save wrote, read back), like an editor would.
            var schemaValid = Schema.Evaluate(ToJson(LoadYaml(text)).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
            var loaded = TopologyLoader.Parse(text, "m.yaml");
            var fieldErrors = FieldTableErrors(text);
            if (!schemaValid) rejected++;
            if (!schemaValid && !loaded.HasErrors)
                mismatches.Add($"{mutation.Where}: {mutation.What}: the schema rejects it, the CLI accepts it");
            if (schemaValid && fieldErrors.Count > 0)
                mismatches.Add($"{mutation.Where}: {mutation.What}: the schema accepts it, the CLI rejects it: {fieldErrors[0]}");
        }
        Assert.True(rejected > 100, $"only {rejected} of {mutations.Count} mutations are invalid: the walk misses constraints");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {mutations.Count} differ:\n" + string.Join("\n", mismatches.Take(60)));
    }

    [Theory]
    [InlineData("name: \"agent-state\\n\"")]   // ECMAScript '$' does not match before a final newline
    [InlineData("name: \"agent state\"")]
    [InlineData("name: 42")]
    [InlineData("name: true")]
    [InlineData("version: \"1\"")]
    [InlineData("version: 1.5")]
    [InlineData("description:")]
    [InlineData("description: 12")]
    public void ValuesTheSchemaRejectsAreErrors(string line)
    {
        var text = Regex.Replace(Repo.AgentStateText, line.StartsWith("name", StringComparison.Ordinal) ? "^name: agent-state$" : line.StartsWith("version", StringComparison.Ordinal) ? "^version: 1$" : "^description: .*$", line, RegexOptions.Multiline);
        Assert.False(Schema.Evaluate(ToJson(LoadYaml(text)).RootElement).IsValid, line);
        Assert.True(TopologyLoader.Parse(text, "t.yaml").HasErrors, line);
    }

    [Theory]
    [InlineData("version: 0x1")]
    [InlineData("version: 1.0")]
    [InlineData("version: +1")]
    [InlineData("description: \"12\"")]
    public void ValuesTheSchemaAcceptsAreAccepted(string line)
    {
        var text = Regex.Replace(Repo.AgentStateText, line.StartsWith("version", StringComparison.Ordinal) ? "^version: 1$" : "^description: .*$", line, RegexOptions.Multiline);
        Assert.True(Schema.Evaluate(ToJson(LoadYaml(text)).RootElement).IsValid, line);
        Assert.False(TopologyLoader.Parse(text, "t.yaml").HasErrors, string.Join("\n", TopologyLoader.Parse(text, "t.yaml").Diagnostics));
    }

    // ---- the walk ----------------------------------------------------------------------------------------------

    private static void Walk(YamlNode node, JsonElement schema, List<object> path, YamlNode root, List<Mutation> output)
    {
        schema = Variant(node, schema, path, root, output);
        var where = "/" + string.Join("/", path);
        void Replace(string what, YamlNode replacement) => output.Add(new Mutation(where, what, With(root, path, replacement)));

        switch (Type(schema))
        {
            case "object" when node is YamlMappingNode map:
                var properties = schema.TryGetProperty("properties", out var p) ? p : default;
                if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
                    output.Add(new Mutation(where, "unknown field 'bogus'", With(root, path, Extend(map, "bogus", new YamlScalarNode("x")))));
                if (schema.TryGetProperty("required", out var required))
                {
                    foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                        output.Add(new Mutation(where, $"required '{name}' removed", With(root, path, Without(map, name))));
                }
                if (properties.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        var key = new YamlScalarNode(property.Name);
                        if (map.Children.TryGetValue(key, out var child))
                            Walk(child, property.Value, [.. path, property.Name], root, output);
                        else
                        {
                            // Fields the file leaves out: every candidate value, valid or not.
                            foreach (var (what, value) in Candidates(property.Value))
                                output.Add(new Mutation($"{where}/{property.Name}", "added " + what, With(root, path, Extend(map, property.Name, value))));
                        }
                    }
                }
                else if (schema.TryGetProperty("additionalProperties", out var values) && values.ValueKind == JsonValueKind.Object)
                {
                    foreach (var (what, value) in Candidates(values))
                        output.Add(new Mutation(where + "/*", "entry " + what, With(root, path, Extend(map, "extraEntry", value))));
                }
                Replace("a list instead of a mapping", new YamlSequenceNode(new YamlScalarNode("x")));
                Replace("a scalar instead of a mapping", new YamlScalarNode("x"));
                break;
            case "array" when node is YamlSequenceNode seq:
                if (seq.Children.Count > 0) Walk(seq.Children[0], schema.GetProperty("items"), [.. path, 0], root, output);
                Replace("an empty list", new YamlSequenceNode());
                Replace("a scalar instead of a list", new YamlScalarNode("x"));
                Replace("a mapping instead of a list", new YamlMappingNode(new YamlScalarNode("a"), new YamlScalarNode("b")));
                break;
            default:
                foreach (var (what, value) in Candidates(schema)) Replace(what, value);
                break;
        }
    }

    /// <summary>For a oneOf, the variant the node's discriminator names (and mutations of the discriminator).</summary>
    private static JsonElement Variant(YamlNode node, JsonElement schema, List<object> path, YamlNode root, List<Mutation> output)
    {
        if (!schema.TryGetProperty("oneOf", out var variants)) return schema;
        var tag = node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode("type"), out var t) ? (t as YamlScalarNode)?.Value : null;
        foreach (var variant in variants.EnumerateArray())
        {
            var constant = variant.GetProperty("properties").GetProperty("type").GetProperty("const").GetString();
            if (constant == tag) return variant;
        }
        return variants[0];
    }

    private static string? Type(JsonElement schema) =>
        schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;

    /// <summary>Values for a leaf (or a left-out field): some satisfy its schema, some break exactly one constraint.</summary>
    private static IEnumerable<(string What, YamlNode Value)> Candidates(JsonElement schema)
    {
        var plain = new Func<string, YamlScalarNode>(v => new YamlScalarNode(v) { Style = ScalarStyle.Plain });
        var quoted = new Func<string, YamlScalarNode>(v => new YamlScalarNode(v) { Style = ScalarStyle.DoubleQuoted });
        yield return ("null", plain("~"));
        yield return ("empty", plain(""));
        yield return ("a list", new YamlSequenceNode(plain("x")));
        yield return ("a mapping", new YamlMappingNode(plain("a"), plain("b")));
        if (schema.TryGetProperty("const", out var constant)) yield return ("the const with an extra letter", plain(constant.GetString() + "x"));
        if (schema.TryGetProperty("enum", out var values))
        {
            foreach (var v in values.EnumerateArray()) yield return ($"enum value '{v}'", plain(v.GetString()!));
            yield return ("a value outside the enum", plain("other"));
        }
        switch (Type(schema))
        {
            case "string":
                foreach (var text in new[] { "x", "agentId", "a b", "a\n", "cc:agent:{key}", "cc:{key}:{key}", "10m", "0s", "1h30m", "json", "a.b-c_d", "-x", "_x", "é", new string('a', 249), new string('a', 250), new string('a', 600) })
                {
                    yield return ($"quoted '{Show(text)}'", quoted(text));
                    if (!text.Contains('\n', StringComparison.Ordinal) && !text.Contains('{', StringComparison.Ordinal)) yield return ($"plain '{Show(text)}'", plain(text));
                }
                if (schema.TryGetProperty("const", out var c)) yield return ("the const, quoted", quoted(c.GetString()!));
                foreach (var other in new[] { "42", "-1", "1.5", "true", "False", "0x1F", "null" }) yield return ($"plain {other}", plain(other));
                break;
            case "integer":
                var min = schema.GetProperty("minimum").GetInt64();
                var max = schema.GetProperty("maximum").GetInt64();
                foreach (var n in new[] { min - 1, min, max, max + 1, -1, 0, 99999999999 })
                {
                    yield return ($"{n}", plain(n.ToString(CultureInfo.InvariantCulture)));
                    yield return ($"\"{n}\"", quoted(n.ToString(CultureInfo.InvariantCulture)));
                }
                foreach (var other in new[] { $"{min}.0", $"{min}.5", $"+{min}", $"0x{min:x}", $"0o{Convert.ToString(min, 8)}", "six", "true", "1e1" })
                    yield return ($"plain {other}", plain(other));
                break;
            case "boolean":
                foreach (var other in new[] { "true", "false", "True", "FALSE", "yes", "no", "1", "on" })
                    yield return ($"plain {other}", plain(other));
                yield return ("\"true\"", quoted("true"));
                break;
            case "array" when schema.TryGetProperty("items", out var items):
                foreach (var (what, value) in Candidates(items).Take(12)) yield return ($"[{what}]", new YamlSequenceNode(value));
                yield return ("[]", new YamlSequenceNode());
                break;
            case "object":
                yield return ("{}", new YamlMappingNode());
                yield return ("{a: b}", new YamlMappingNode(plain("a"), plain("b")));
                yield return ("{a: 1}", new YamlMappingNode(plain("a"), plain("1")));
                yield return ("{a: true}", new YamlMappingNode(plain("a"), plain("true")));
                yield return ("{a: ~}", new YamlMappingNode(plain("a"), plain("~")));
                yield return ("{a: [b]}", new YamlMappingNode(plain("a"), new YamlSequenceNode(plain("b"))));
                break;
            default:
                if (schema.TryGetProperty("type", out var types) && types.ValueKind == JsonValueKind.Array)
                {
                    yield return ("1", plain("1"));
                    yield return ("true", plain("true"));
                    yield return ("\"x\"", quoted("x"));
                }
                break;
        }
    }

    private static string Show(string text) => (text.Length > 12 ? text[..12] + "..." : text).Replace("\n", "\\n", StringComparison.Ordinal);

    // ---- YAML plumbing ----------------------------------------------------------------------------------------

    private static YamlNode LoadYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents[0].RootNode;
    }

    private static string Save(YamlNode root)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    /// <summary>A deep copy of <paramref name="root"/> with the node at <paramref name="path"/> replaced.</summary>
    private static YamlNode With(YamlNode root, IReadOnlyList<object> path, YamlNode replacement)
    {
        if (path.Count == 0) return Copy(replacement);
        var copy = Copy(root);
        YamlNode parent = copy;
        for (var i = 0; i < path.Count - 1; i++) parent = Child(parent, path[i]);
        switch (parent)
        {
            case YamlMappingNode map: map.Children[new YamlScalarNode((string)path[^1])] = Copy(replacement); break;
            case YamlSequenceNode seq: seq.Children[(int)path[^1]] = Copy(replacement); break;
        }
        return copy;
    }

    private static YamlNode Child(YamlNode node, object step) => step switch
    {
        string key => ((YamlMappingNode)node).Children[new YamlScalarNode(key)],
        _ => ((YamlSequenceNode)node).Children[(int)step],
    };

    private static YamlMappingNode Extend(YamlMappingNode map, string key, YamlNode value)
    {
        var copy = (YamlMappingNode)Copy(map);
        copy.Children[new YamlScalarNode(key)] = Copy(value);
        return copy;
    }

    private static YamlMappingNode Without(YamlMappingNode map, string key)
    {
        var copy = (YamlMappingNode)Copy(map);
        copy.Children.Remove(new YamlScalarNode(key));
        return copy;
    }

    private static YamlNode Copy(YamlNode node) => node switch
    {
        YamlScalarNode s => new YamlScalarNode(s.Value) { Style = s.Style },
        YamlSequenceNode q => new YamlSequenceNode(q.Children.Select(Copy)) { Style = q.Style },
        YamlMappingNode m => new YamlMappingNode(m.Children.Select(c => new KeyValuePair<YamlNode, YamlNode>(Copy(c.Key), Copy(c.Value)))) { Style = m.Style },
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The document as JSON, scalars resolved by YAML 1.2's core schema (as the YAML language server reads it).</summary>
    private static JsonDocument ToJson(YamlNode root) => JsonDocument.Parse(Json(root)?.ToJsonString() ?? "null");

    private static JsonNode? Json(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Children) obj[((YamlScalarNode)k).Value ?? string.Empty] = Json(v);
                return obj;
            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(Json).ToArray());
            case YamlScalarNode scalar:
                var text = scalar.Value ?? string.Empty;
                if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return JsonValue.Create(text);
                if (text is "" or "~" or "null" or "Null" or "NULL") return null;
                if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
                if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
                if (Regex.IsMatch(text, "^[-+]?[0-9]+$")) return JsonNode.Parse(text.TrimStart('+').TrimStart('0') is { Length: > 0 } digits && !digits.StartsWith('-') ? digits : text.TrimStart('+') is var t && t.TrimStart('-').TrimStart('0').Length == 0 ? "0" : t);
                if (Regex.IsMatch(text, "^0o[0-7]+$")) return JsonValue.Create(Convert.ToInt64(text[2..], 8));
                if (Regex.IsMatch(text, "^0x[0-9a-fA-F]+$")) return JsonValue.Create(Convert.ToInt64(text[2..], 16));
                if (Regex.IsMatch(text, @"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"))
                    return JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
                return JsonValue.Create(text);
            default:
                return null;
        }
    }

    /// <summary>Errors of the CLI's field tables alone (the part of the CLI the schema describes).</summary>
    private static List<string> FieldTableErrors(string text)
    {
        var diags = new DiagnosticBag("m.yaml");
        if (YamlText.Parse(text, diags) is { } root) TopologyFormat.Root.Read(root, "the file", diags);
        return diags.Items.Where(d => d.Severity == Severity.Error).Select(d => d.ToString()).ToList();
    }
}
