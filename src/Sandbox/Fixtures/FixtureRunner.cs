using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContactCenter.Topology.Files;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Sandbox.Fixtures;

/// <summary>The outcome of one fixture file.</summary>
internal sealed record FixtureResult(string File, string Name, bool Passed, IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyList<string> Differences);

/// <summary>
/// Runs fixture files (input records, expected output records and Redis hashes) against their topology without a
/// broker, through the stages' real code (<see cref="FixturePipeline"/>: Streamiz's test driver for the aggregate
/// stage, the real fence script on an embedded Garnet for the state stage); each result carries a readable diff
/// (<c>contactcenter test</c> prints it).
/// </summary>
internal static class FixtureRunner
{
    public static async Task<FixtureResult> RunFileAsync(string path)
    {
        var diags = new DiagnosticBag(path);
        var text = SourceText.ReadFile(path, diags);
        return text is null ? Invalid(path, string.Empty, diags.Sorted()) : await RunTextAsync(text, path).ConfigureAwait(false);
    }

    /// <summary>Runs fixture text; <paramref name="path"/> names it and anchors its relative topology path.</summary>
    public static async Task<FixtureResult> RunTextAsync(string text, string path)
    {
        try
        {
            return await RunCheckedAsync(text, path).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug of ours, not of the fixture; still a diagnostic rather than a stack trace.
            return Invalid(path, string.Empty, [new Diagnostic(Severity.Error, path, 1, 1, $"internal error while running this fixture ({ex.GetType().Name}: {ex.Message}); please report it")]);
        }
    }

    private static async Task<FixtureResult> RunCheckedAsync(string text, string path)
    {
        var diags = new DiagnosticBag(path);
        var root = YamlText.Parse(text, diags);
        if (root is null || FixtureFormat.Root.Read(root, "the fixture", diags) is not Obj fixture || diags.HasErrors)
            return Invalid(path, string.Empty, diags.Sorted());
        var name = fixture.Str("name")?.Value ?? string.Empty;
        var topologyRef = fixture.Str("topology")!;
        var topologyPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", topologyRef.Value);
        var topology = TopologyLoader.Load(topologyPath);
        if (topology.Spec is null || topology.Model is null)
        {
            diags.Error(topologyRef.Pos, $"topology '{topologyRef.Value}' does not load:");
            return Invalid(path, name, [.. diags.Sorted(), .. topology.Diagnostics.Where(d => d.Severity == Severity.Error)]);
        }
        FixtureValidator.CheckExpectations(fixture, topology.Model, diags);
        var partitions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in topology.Model.Sources) partitions[s.Topic.Value] = s.Partitions.Value;
        foreach (var s in topology.Model.Sinks.Where(s => s.Kind == SinkKind.Kafka)) partitions[s.Topic!.Value] = s.Partitions!.Value;

        var inputs = new List<(SimRecord Record, int? Partition, long? Offset)>();
        foreach (var input in fixture.List<Obj>("input"))
        {
            var topic = input.Str("topic")!;
            if (!partitions.TryGetValue(topic.Value, out var count))
            {
                diags.Error(topic.Pos, $"topic '{topic.Value}' is not in the topology{EditDistance.Hint(topic.Value, partitions.Keys)}");
                continue;
            }
            if (input.Int("partition") is { } p && p.Value >= count)
                diags.Error(p.Pos, $"partition {p.Value} does not exist: '{topic.Value}' has {count} partitions");
            var headers = input.Map("headers").Select(h => new KeyValuePair<string, string>(h.Key.Value, h.Value.Value)).ToList();
            var op = input.Str("op");
            if (op is not null)
            {
                var header = topology.Model.Sources.FirstOrDefault(s => s.Topic.Value == topic.Value)?.OpHeader ?? ContactCenter.Topology.Events.EventHeaders.Op;
                headers.Insert(0, new(header, op.Value));
            }
            byte[]? payload;
            try
            {
                payload = Payload(input.Any("value")?.Value);
            }
            catch (PayloadTooLargeException)
            {
                diags.Error(input.Any("value")!.Pos, $"value is too large (more than {MaxPayloadNodes} YAML nodes once aliases are expanded)");
                continue;
            }
            inputs.Add((new SimRecord { Topic = topic.Value, Key = input.Str("key")?.Value, Value = payload, Headers = headers },
                input.Int("partition")?.Value, input.Int("offset")?.Value));
        }
        if (diags.HasErrors) return Invalid(path, name, diags.Sorted());

        await using var pipeline = await FixturePipeline.StartAsync(topology.Spec, partitions).ConfigureAwait(false);
        foreach (var (record, partition, offset) in inputs)
            await pipeline.ProduceAsync(record, partition, offset).ConfigureAwait(false);

        var differences = new List<string>();
        var expect = fixture.Object("expect");
        if (expect?.Values.GetValueOrDefault("topics") is Loc<List<KeyValuePair<Loc<string>, object?>>> topics)
        {
            foreach (var (topic, list) in topics.Value)
            {
                var expected = (list as Loc<List<object>>)?.Value.OfType<Obj>().ToList() ?? [];
                var actual = pipeline.Topics.GetValueOrDefault(topic.Value) ?? [];
                CompareTopic(topic, expected, actual, differences);
            }
        }
        if (expect?.Values.GetValueOrDefault("redis") is Loc<List<KeyValuePair<Loc<string>, object?>>> redis)
        {
            foreach (var (key, value) in redis.Value)
                CompareHash(key, (value as Loc<YamlNode>)?.Value, await pipeline.ReadHashAsync(key.Value).ConfigureAwait(false), differences);
        }
        return new FixtureResult(path, name, differences.Count == 0, diags.Sorted(), differences);
    }

    private static FixtureResult Invalid(string path, string name, IReadOnlyList<Diagnostic> diagnostics) =>
        new(path, name, false, diagnostics, []);

    /// <summary>Record bytes for a fixture value: a mapping or list as JSON, a string byte for byte, null as a tombstone.</summary>
    internal static byte[]? Payload(YamlNode? node)
    {
        if (node is null || FieldType.IsNull(node)) return null;
        if (node is YamlScalarNode scalar) return Encoding.UTF8.GetBytes(scalar.Value ?? string.Empty);
        var buffer = new MemoryStream();
        var budget = MaxPayloadNodes;
        using (var writer = new Utf8JsonWriter(buffer))
            WriteJson(node, writer, ref budget);
        return buffer.ToArray();
    }

    /// <summary>Aliases can make a small file expand exponentially ("billion laughs"): payloads are bounded.</summary>
    internal const int MaxPayloadNodes = 100_000;

    private sealed class PayloadTooLargeException : Exception;

    private static readonly Regex Number = new(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private static void WriteJson(YamlNode node, Utf8JsonWriter writer, ref int budget)
    {
        if (--budget < 0) throw new PayloadTooLargeException();
        switch (node)
        {
            case YamlMappingNode map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.Children)
                {
                    writer.WritePropertyName((key as YamlScalarNode)?.Value ?? key.ToString());
                    WriteJson(value, writer, ref budget);
                }
                writer.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                writer.WriteStartArray();
                foreach (var item in seq.Children) WriteJson(item, writer, ref budget);
                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar when FieldType.IsNull(scalar):
                writer.WriteNullValue();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: "true" or "false" } b:
                writer.WriteBooleanValue(b.Value == "true");
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } plain when Number.IsMatch(plain.Value ?? string.Empty):
                writer.WriteRawValue(plain.Value!);
                break;
            case YamlScalarNode scalar:
                writer.WriteStringValue(scalar.Value ?? string.Empty);
                break;
        }
    }

    private static void CompareTopic(Loc<string> topic, List<Obj> expected, List<SimRecord> actual, List<string> differences)
    {
        var count = Math.Max(expected.Count, actual.Count);
        for (var i = 0; i < count; i++)
        {
            var where = $"topic {topic.Value}, record {i + 1}";
            if (i >= actual.Count)
            {
                differences.Add($"{where} (expected at {expected[i].Pos.Line}:{expected[i].Pos.Column}): missing, the run wrote only {actual.Count}");
                differences.Add($"  - {Describe(expected[i])}");
                continue;
            }
            if (i >= expected.Count)
            {
                differences.Add($"{where}: not expected (the fixture lists {expected.Count})");
                differences.Add($"  + {Describe(actual[i])}");
                continue;
            }
            var lines = new List<string>();
            CompareRecord(expected[i], actual[i], lines);
            if (lines.Count > 0)
            {
                differences.Add($"{where} (expected at {expected[i].Pos.Line}:{expected[i].Pos.Column}), actual: {Describe(actual[i])}");
                differences.AddRange(lines.Select(l => "  " + l));
            }
        }
    }

    private static void CompareRecord(Obj expected, SimRecord actual, List<string> lines)
    {
        if (expected.Str("key") is { } key && key.Value != actual.Key)
            Mismatch(lines, "key", key.Value, actual.Key ?? "(none)");
        if (expected.Int("partition") is { } p && p.Value != actual.Partition)
            Mismatch(lines, "partition", p.Value.ToString(CultureInfo.InvariantCulture), actual.Partition.ToString(CultureInfo.InvariantCulture));
        if (expected.Int("offset") is { } o && o.Value != actual.Offset)
            Mismatch(lines, "offset", o.Value.ToString(CultureInfo.InvariantCulture), actual.Offset.ToString(CultureInfo.InvariantCulture));
        if (expected.Str("reason") is { } reason)
        {
            var actualReason = actual.Header(ContactCenter.Topology.Events.EventHeaders.DeadLetterReason);
            if (actualReason is null || !actualReason.Contains(reason.Value, StringComparison.OrdinalIgnoreCase))
                Mismatch(lines, "reason", $"contains '{reason.Value}'", actualReason ?? "(no reason header)");
        }
        foreach (var (name, value) in expected.Map("headers"))
        {
            var actualValue = actual.Header(name.Value);
            if (actualValue != value.Value) Mismatch(lines, $"header {name.Value}", value.Value, actualValue ?? "(absent)");
        }
        if (expected.Present.Contains("value"))
        {
            var node = expected.Any("value")?.Value;
            if (node is null || FieldType.IsNull(node))
            {
                if (actual.Value is not null) Mismatch(lines, "value", "null (tombstone)", Text(actual.Value));
            }
            else if (actual.Value is null) Mismatch(lines, "value", Flow(node), "null (tombstone)");
            else if (node is YamlScalarNode scalar)
            {
                if (scalar.Value != Text(actual.Value)) Mismatch(lines, "value", scalar.Value ?? string.Empty, Text(actual.Value));
            }
            else
            {
                try
                {
                    using var json = JsonDocument.Parse(actual.Value);
                    MatchJson(node, json.RootElement, "value", lines);
                }
                catch (JsonException)
                {
                    Mismatch(lines, "value", Flow(node), Text(actual.Value) + " (not JSON)");
                }
            }
        }
    }

    /// <summary>Subset match: every field the fixture writes must be there and equal; others are not checked.</summary>
    private static void MatchJson(YamlNode expected, JsonElement actual, string path, List<string> lines)
    {
        switch (expected)
        {
            case YamlMappingNode map:
                if (actual.ValueKind != JsonValueKind.Object) { Mismatch(lines, path, Flow(expected), actual.GetRawText()); return; }
                foreach (var (k, v) in map.Children)
                {
                    var name = (k as YamlScalarNode)?.Value ?? string.Empty;
                    if (actual.TryGetProperty(name, out var child)) MatchJson(v, child, $"{path}.{name}", lines);
                    else if (!FieldType.IsNull(v)) Mismatch(lines, $"{path}.{name}", Flow(v), "(absent)");
                }
                break;
            case YamlSequenceNode seq:
                if (actual.ValueKind != JsonValueKind.Array || actual.GetArrayLength() != seq.Children.Count)
                {
                    Mismatch(lines, path, Flow(expected), actual.GetRawText());
                    return;
                }
                var i = 0;
                foreach (var item in actual.EnumerateArray()) { MatchJson(seq.Children[i], item, $"{path}[{i}]", lines); i++; }
                break;
            case YamlScalarNode scalar:
                var want = FieldType.IsNull(scalar) ? null : scalar.Value;
                var got = actual.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => actual.GetString(),
                    _ => actual.GetRawText(),
                };
                if (want != got) Mismatch(lines, path, want ?? "null", got ?? "null");
                break;
        }
    }

    private static void CompareHash(Loc<string> key, YamlNode? expected, List<KeyValuePair<string, string>>? actual, List<string> differences)
    {
        var where = $"redis {key.Value} (expected at {key.Pos.Line}:{key.Pos.Column})";
        if (expected is null || FieldType.IsNull(expected))
        {
            if (actual is not null)
            {
                differences.Add($"{where}: expected no such key, found a hash");
                differences.Add($"  + {{{string.Join(", ", actual.Select(f => $"{f.Key}: {f.Value}"))}}}");
            }
            return;
        }
        if (expected is not YamlMappingNode map)
        {
            differences.Add($"{where}: the expectation must be a mapping of fields or null");
            return;
        }
        if (actual is null)
        {
            differences.Add($"{where}: expected a hash, the key does not exist");
            differences.Add($"  - {Flow(expected)}");
            return;
        }
        var lines = new List<string>();
        var want = map.Children.ToDictionary(c => (c.Key as YamlScalarNode)?.Value ?? string.Empty, c => (c.Value as YamlScalarNode)?.Value ?? Flow(c.Value));
        foreach (var (field, value) in want)
        {
            var found = actual.FindIndex(f => f.Key == field);
            if (found < 0) Mismatch(lines, field, value, "(absent)");
            else if (actual[found].Value != value) Mismatch(lines, field, value, actual[found].Value);
        }
        foreach (var extra in actual.Where(f => !want.ContainsKey(f.Key)))
            Mismatch(lines, extra.Key, "(absent)", extra.Value);
        if (lines.Count > 0)
        {
            differences.Add($"{where}:");
            differences.AddRange(lines.Select(l => "  " + l));
        }
    }

    private static void Mismatch(List<string> lines, string what, string expected, string actual)
    {
        lines.Add($"- {what}: {expected}");
        lines.Add($"+ {what}: {actual}");
    }

    private static string Describe(Obj expected)
    {
        var parts = new List<string>();
        if (expected.Str("key") is { } k) parts.Add($"key {k.Value}");
        if (expected.Present.Contains("value")) parts.Add("value " + (expected.Any("value") is { } v ? Flow(v.Value) : "null (tombstone)"));
        if (expected.Str("reason") is { } r) parts.Add($"reason ~ '{r.Value}'");
        return string.Join(", ", parts);
    }

    private static string Describe(SimRecord record)
    {
        var text = $"key {record.Key ?? "(none)"} @{record.Partition}/{record.Offset}, value {(record.Value is null ? "null (tombstone)" : Text(record.Value))}";
        if (record.Header(ContactCenter.Topology.Events.EventHeaders.DeadLetterReason) is { } reason) text += $", reason '{reason}'";
        return text;
    }

    private static string Text(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text.Length <= 300 ? text : text[..297] + "...";
    }

    /// <summary>One-line text of a YAML value for messages, cut at a few hundred characters (aliases can expand hugely).</summary>
    private static string Flow(YamlNode node)
    {
        var text = new StringBuilder();
        Append(node);
        return text.Length > FlowLimit ? text.ToString(0, FlowLimit) + "..." : text.ToString();

        void Append(YamlNode n)
        {
            if (text.Length > FlowLimit) return;
            switch (n)
            {
                case YamlScalarNode s:
                    text.Append(s.Value);
                    break;
                case YamlSequenceNode seq:
                    text.Append('[');
                    var first = true;
                    foreach (var item in seq.Children)
                    {
                        if (text.Length > FlowLimit) return;
                        if (!first) text.Append(", ");
                        first = false;
                        Append(item);
                    }
                    text.Append(']');
                    break;
                case YamlMappingNode map:
                    text.Append('{');
                    var firstEntry = true;
                    foreach (var (key, value) in map.Children)
                    {
                        if (text.Length > FlowLimit) return;
                        if (!firstEntry) text.Append(", ");
                        firstEntry = false;
                        Append(key);
                        text.Append(": ");
                        Append(value);
                    }
                    text.Append('}');
                    break;
            }
        }
    }

    private const int FlowLimit = 300;
}
