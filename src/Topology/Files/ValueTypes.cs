using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Topology.Files;

/// <summary>
/// A type in a file format's field tables. The same table both reads YAML (reporting every problem with its
/// position) and emits the JSON Schema editors use, so the two can never disagree.
/// </summary>
internal abstract class FieldType
{
    /// <summary>What a valid value looks like, for messages ("an integer from 1 to 10000").</summary>
    public abstract string Expected { get; }

    /// <summary>Reads <paramref name="node"/>; reports problems and returns null when it is not valid.</summary>
    public abstract object? Read(YamlNode node, string what, DiagnosticBag diags);

    public abstract JsonObject Schema();

    /// <summary>Plain <c>~</c>, <c>null</c>, nothing or <c>!!null</c>: YAML's null, treated as an absent field.</summary>
    public static bool IsNull([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] YamlNode? node) =>
        node is null || node is YamlScalarNode s && YamlScalars.Kind(s) == ScalarKind.Null;

    protected static string Found(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{Shorten(s.Value ?? string.Empty)}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "something else",
    };

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    internal bool Scalar(YamlNode node, string what, DiagnosticBag diags, out string value)
    {
        if (node is YamlScalarNode { Value: { } text })
        {
            value = text;
            return true;
        }
        diags.Error(Pos.Of(node.Start), $"{what} must be {Expected}, found {Found(node)}");
        value = string.Empty;
        return false;
    }
}

/// <summary>
/// A string, optionally limited to a pattern or to a fixed set of values. As in the JSON Schema, a plain scalar that
/// YAML reads as a number, boolean or null is not a string (unless <c>anyScalar</c>, used by fixtures only).
/// </summary>
internal sealed class StringType : FieldType
{
    private readonly Regex? _pattern;
    private readonly bool _anyScalar;

    public StringType(string? pattern = null, string? patternText = null, IReadOnlyList<string>? values = null, bool anyScalar = false)
    {
        Pattern = pattern;
        // JSON Schema patterns are ECMAScript regexes, where '$' matches only at the very end; .NET's '$' also
        // matches before a final newline, which would let "name\n" through. '\z' is the ECMAScript meaning.
        _pattern = pattern is null ? null : new Regex(pattern.EndsWith('$') ? pattern[..^1] + @"\z" : pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        PatternText = patternText;
        Values = values;
        _anyScalar = anyScalar;
    }

    public string? Pattern { get; }

    public string? PatternText { get; }

    public IReadOnlyList<string>? Values { get; }

    public override string Expected => Values is not null
        ? "one of " + string.Join(", ", Values.Select(v => $"'{v}'"))
        : PatternText ?? "a string";

    public override object? Read(YamlNode node, string what, DiagnosticBag diags)
    {
        if (!Scalar(node, what, diags, out var text)) return null;
        var pos = Pos.Of(node.Start);
        if (!_anyScalar && node is YamlScalarNode scalar && YamlScalars.Kind(scalar) != ScalarKind.String)
        {
            diags.Error(pos, $"{what} must be {Expected}, found {YamlScalars.Describe(scalar)}; quote it to use it as text");
            return null;
        }
        if (Values is not null && !Values.Contains(text))
        {
            diags.Error(pos, $"{what} must be {Expected}, found '{Shorten(text)}'{EditDistance.Hint(text, Values)}");
            return null;
        }
        if (_pattern is not null && !_pattern.IsMatch(text))
        {
            diags.Error(pos, $"{what} must be {Expected}, found '{Shorten(text)}'");
            return null;
        }
        return new Loc<string>(text, pos);
    }

    public override JsonObject Schema()
    {
        var schema = new JsonObject { ["type"] = "string" };
        if (Values is not null)
        {
            if (Values.Count == 1) schema["const"] = Values[0];
            else schema["enum"] = new JsonArray(Values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
        }
        if (Pattern is not null) schema["pattern"] = Pattern;
        return schema;
    }
}

/// <summary>true or false.</summary>
internal sealed class BoolType : FieldType
{
    public override string Expected => "true or false";

    public override object? Read(YamlNode node, string what, DiagnosticBag diags)
    {
        if (!Scalar(node, what, diags, out var text)) return null;
        bool? value = YamlScalars.Kind((YamlScalarNode)node) != ScalarKind.Bool ? null : text switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ => null,
        };
        if (value is null)
        {
            var scalar = (YamlScalarNode)node;
            var quoted = YamlScalars.Kind(scalar) == ScalarKind.String && scalar.Tag.IsEmpty && scalar.Style is not (YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any);
            diags.Error(Pos.Of(node.Start), $"{what} must be {Expected}, found {(quoted ? $"the text '{Shorten(text)}'; write it without quotes" : $"'{Shorten(text)}'{YamlScalars.TagNote(scalar)}")}");
            return null;
        }
        return new Loc<bool>(value.Value, Pos.Of(node.Start));
    }

    public override JsonObject Schema() => new() { ["type"] = "boolean" };
}

/// <summary>A duration such as <c>500ms</c>, <c>90s</c>, <c>10m</c>, <c>1h30m</c> or <c>7d</c>.</summary>
internal sealed class DurationType(bool allowZero = false) : FieldType
{
    internal const string PatternText = "^([0-9]{1,9}(ms|s|m|h|d))+$";
    private static readonly Regex Part = new("([0-9]{1,9})(ms|s|m|h|d)", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    private static readonly Regex Whole = new(PatternText, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    public override string Expected => "a duration such as 500ms, 90s, 10m, 1h30m or 7d";

    public override object? Read(YamlNode node, string what, DiagnosticBag diags)
    {
        if (!Scalar(node, what, diags, out var text)) return null;
        if (!TryParse(text, out var value) || value < TimeSpan.Zero || (value == TimeSpan.Zero && !allowZero))
        {
            diags.Error(Pos.Of(node.Start), $"{what} must be {Expected} ({(allowZero ? "zero or more" : "more than zero")}), found '{Shorten(text)}'");
            return null;
        }
        return new Loc<TimeSpan>(value, Pos.Of(node.Start));
    }

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (!Whole.IsMatch(text)) return false;
        double ms = 0;
        foreach (Match m in Part.Matches(text))
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ms += m.Groups[2].Value switch
            {
                "ms" => n,
                "s" => n * 1000,
                "m" => n * 60_000,
                "h" => n * 3_600_000,
                _ => n * 86_400_000,
            };
        }
        // Past a few centuries a TTL is a typo; refusing it also keeps TimeSpan from overflowing.
        if (ms > TimeSpan.FromDays(36_500).TotalMilliseconds) return false;
        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    public static string Format(TimeSpan value)
    {
        if (value.TotalMilliseconds % 86_400_000 == 0) return $"{(long)value.TotalDays}d";
        if (value.TotalMilliseconds % 3_600_000 == 0) return $"{(long)value.TotalHours}h";
        if (value.TotalMilliseconds % 60_000 == 0) return $"{(long)value.TotalMinutes}m";
        if (value.TotalMilliseconds % 1000 == 0) return $"{(long)value.TotalSeconds}s";
        return $"{(long)value.TotalMilliseconds}ms";
    }

    // More than zero: at least one digit that is not 0 (the lookahead is ECMAScript, as JSON Schema patterns are).
    public override JsonObject Schema() => new() { ["type"] = "string", ["pattern"] = allowZero ? PatternText : "^(?=.*[1-9])" + PatternText[1..] };
}

/// <summary>A list of values of one type; invalid items are reported and left out.</summary>
internal sealed class ListType(FieldType item, int minItems = 0) : FieldType
{
    public FieldType Item => item;

    public override string Expected => $"a list of {item.Expected}";

    public override object? Read(YamlNode node, string what, DiagnosticBag diags)
    {
        if (node is not YamlSequenceNode seq)
        {
            diags.Error(Pos.Of(node.Start), $"{what} must be a list, found {Found(node)}");
            return null;
        }
        var items = new List<object>(seq.Children.Count);
        foreach (var child in seq.Children)
        {
            if (IsNull(child))
            {
                diags.Error(Pos.Of(child.Start), $"{what} has an empty item");
                continue;
            }
            if (item.Read(child, $"an item of {what}", diags) is { } value) items.Add(value);
        }
        if (seq.Children.Count < minItems)
            diags.Error(Pos.Of(node.Start), $"{what} needs at least {minItems} item{(minItems == 1 ? "" : "s")}");
        return new Loc<List<object>>(items, Pos.Of(node.Start));
    }

    public override JsonObject Schema()
    {
        var schema = new JsonObject { ["type"] = "array", ["items"] = item.Schema() };
        if (minItems > 0) schema["minItems"] = minItems;
        return schema;
    }
}

/// <summary>A mapping from names to strings, in file order (field mappings, renames, constants).</summary>
internal sealed class StringMapType(string keyText, string valueText) : FieldType
{
    public override string Expected => $"a mapping of {keyText} to {valueText}";

    public override object? Read(YamlNode node, string what, DiagnosticBag diags)
    {
        if (node is not YamlMappingNode map)
        {
            diags.Error(Pos.Of(node.Start), $"{what} must be {Expected}, found {Found(node)}");
            return null;
        }
        var entries = new List<KeyValuePair<Loc<string>, Loc<string>>>(map.Children.Count);
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name })
            {
                diags.Error(Pos.Of(key.Start), $"{what} must have plain names as keys, found {Found(key)}");
                continue;
            }
            if (value is not YamlScalarNode { Value: { } text } || IsNull(value))
            {
                diags.Error(Pos.Of(value.Start), $"{what}: '{Shorten(name)}' must map to {valueText}, found {(IsNull(value) ? "nothing" : Found(value))}");
                continue;
            }
            entries.Add(new(new Loc<string>(name, Pos.Of(key.Start)), new Loc<string>(text, Pos.Of(value.Start))));
        }
        return new Loc<List<KeyValuePair<Loc<string>, Loc<string>>>>(entries, Pos.Of(node.Start));
    }

    public override JsonObject Schema() => new()
    {
        ["type"] = "object",
        ["additionalProperties"] = new JsonObject { ["type"] = new JsonArray("string", "number", "boolean") },
    };
}

/// <summary>Any YAML value, kept as its node (fixture payloads).</summary>
internal sealed class AnyType(string description) : FieldType
{
    public override string Expected => description;

    public override object? Read(YamlNode node, string what, DiagnosticBag diags) => new Loc<YamlNode>(node, Pos.Of(node.Start));

    public override JsonObject Schema() => new();
}

/// <summary>One field of an <see cref="ObjectType"/>.</summary>
internal sealed record Field(string Name, FieldType Type, bool Required, string Description, string? Default = null);

/// <summary>A mapping with a fixed set of fields; unknown fields are errors with a "did you mean".</summary>
internal sealed class ObjectType(string title, string description, IReadOnlyList<Field> fields) : FieldType
{
    public string Title => title;

    public string Description => description;

    public IReadOnlyList<Field> Fields => fields;

    public override string Expected => $"a {title} (a mapping)";

    public override object? Read(YamlNode node, string what, DiagnosticBag diags)
    {
        if (node is not YamlMappingNode map)
        {
            diags.Error(Pos.Of(node.Start), $"{what} must be a {title} mapping with fields {string.Join(", ", fields.Select(f => f.Name))}; found {Found(node)}");
            return null;
        }
        var obj = new Obj(title, Pos.Of(node.Start));
        var suggested = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            var keyPos = Pos.Of(keyNode.Start);
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                diags.Error(keyPos, $"a {title} field name must be plain text, found {Found(keyNode)}");
                continue;
            }
            var field = fields.FirstOrDefault(f => f.Name == key);
            if (field is null)
            {
                var names = fields.Select(f => f.Name);
                var hint = EditDistance.Hint(key, names);
                if (EditDistance.Suggest(key, names) is { } meant) suggested.Add(meant);
                diags.Error(keyPos, $"unknown field '{Shorten(key)}' in {title}" + (hint.Length > 0 ? hint : $"; expected one of: {string.Join(", ", names)}"));
                continue;
            }
            obj.KeyPos[key] = keyPos;
            if (IsNull(value))
            {
                // The JSON Schema has no null values: an empty optional field is an error there too (fixture payloads aside).
                if (field.Required) diags.Error(Pos.Of(value.Start), $"'{key}' in {title} must not be empty: it must be {field.Type.Expected}");
                else if (field.Type is not AnyType) diags.Error(Pos.Of(value.Start), $"'{key}' in {title} is empty: give it a value ({field.Type.Expected}) or leave the field out");
                obj.Present.Add(key);
                continue;
            }
            obj.Present.Add(key);
            if (field.Type.Read(value, $"'{key}'", diags) is { } read) obj.Values[key] = read;
            else if (value is YamlScalarNode { Value: { } raw }) obj.Invalid[key] = raw;
        }
        foreach (var field in fields)
        {
            // A misspelt required field is reported once, as the unknown field with its "did you mean".
            if (field.Required && !obj.Present.Contains(field.Name) && !suggested.Contains(field.Name))
                diags.Error(obj.Pos, $"{title} is missing required field '{field.Name}' ({field.Type.Expected})");
        }
        return obj;
    }

    public override JsonObject Schema()
    {
        var properties = new JsonObject();
        foreach (var field in fields)
        {
            var schema = field.Type.Schema();
            schema["description"] = field.Description + (field.Default is null ? string.Empty : $" Default: {field.Default}.");
            properties[field.Name] = schema;
        }
        var result = new JsonObject
        {
            ["title"] = title,
            ["description"] = description,
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["properties"] = properties,
        };
        var required = fields.Where(f => f.Required).Select(f => (JsonNode)JsonValue.Create(f.Name)!).ToArray();
        if (required.Length > 0) result["required"] = new JsonArray(required);
        return result;
    }
}

/// <summary>One of several <see cref="ObjectType"/>s, chosen by a discriminator field (<c>type</c>).</summary>
internal sealed class UnionType(string title, string discriminator, IReadOnlyList<(string Tag, ObjectType Shape)> variants) : FieldType
{
    public string Title => title;

    public IReadOnlyList<(string Tag, ObjectType Shape)> Variants => variants;

    public override string Expected => $"a {title} mapping with '{discriminator}' one of {string.Join(", ", variants.Select(v => v.Tag))}";

    public override object? Read(YamlNode node, string what, DiagnosticBag diags)
    {
        if (node is not YamlMappingNode map)
        {
            diags.Error(Pos.Of(node.Start), $"{what} must be {Expected}; found {Found(node)}");
            return null;
        }
        var tags = variants.Select(v => v.Tag).ToList();
        YamlNode? tagNode = null;
        foreach (var (key, value) in map.Children)
        {
            if (key is YamlScalarNode { Value: var k } && k == discriminator) tagNode = value;
        }
        if (tagNode is null || IsNull(tagNode))
        {
            diags.Error(Pos.Of(node.Start), $"{title} needs '{discriminator}': one of {string.Join(", ", tags)}");
            return null;
        }
        if (tagNode is not YamlScalarNode { Value: { } tag } || !tags.Contains(tag))
        {
            var text = (tagNode as YamlScalarNode)?.Value ?? string.Empty;
            diags.Error(Pos.Of(tagNode.Start), $"unknown {title} {discriminator} {Found(tagNode)}{EditDistance.Hint(text, tags)}; expected one of: {string.Join(", ", tags)}");
            // Keep the entry's name so references to it are not reported a second time as unknown.
            var stub = new Obj($"invalid {title}", Pos.Of(node.Start));
            foreach (var (key, value) in map.Children)
            {
                if (key is YamlScalarNode { Value: "name" } && value is YamlScalarNode { Value: { } name })
                    stub.Values["name"] = new Loc<string>(name, Pos.Of(value.Start));
            }
            return stub;
        }
        return variants.First(v => v.Tag == tag).Shape.Read(node, what, diags);
    }

    public override JsonObject Schema() => new()
    {
        ["title"] = title,
        ["oneOf"] = new JsonArray(variants.Select(v => (JsonNode)v.Shape.Schema()).ToArray()),
    };
}

/// <summary>A mapping read through an <see cref="ObjectType"/>: valid fields only, each with its position.</summary>
internal sealed class Obj(string title, Pos pos)
{
    public string Title => title;

    public Pos Pos => pos;

    public Dictionary<string, object> Values { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, Pos> KeyPos { get; } = new(StringComparer.Ordinal);

    /// <summary>Scalar values that were reported as invalid, as written (so references to a misspelt name are not reported again).</summary>
    public Dictionary<string, string> Invalid { get; } = new(StringComparer.Ordinal);

    /// <summary>Fields written in the file, valid or not (so a bad value is not also reported as missing).</summary>
    public HashSet<string> Present { get; } = new(StringComparer.Ordinal);

    public Pos PosOf(string field) => KeyPos.TryGetValue(field, out var p) ? p : pos;

    public Loc<string>? Str(string field) => Values.GetValueOrDefault(field) as Loc<string>;

    public Loc<int>? Int(string field) => Values.GetValueOrDefault(field) as Loc<int>;

    public Loc<long>? Long(string field) => Values.GetValueOrDefault(field) as Loc<long>;

    public Loc<bool>? Bool(string field) => Values.GetValueOrDefault(field) as Loc<bool>;

    public Loc<TimeSpan>? Duration(string field) => Values.GetValueOrDefault(field) as Loc<TimeSpan>;

    public Obj? Object(string field) => Values.GetValueOrDefault(field) as Obj;

    public Loc<YamlNode>? Any(string field) => Values.GetValueOrDefault(field) as Loc<YamlNode>;

    public IReadOnlyList<T> List<T>(string field) =>
        Values.GetValueOrDefault(field) is Loc<List<object>> list ? list.Value.OfType<T>().ToList() : [];

    /// <summary>A <see cref="DictType"/> of strings, in file order; a value written as null is a null value.</summary>
    public IReadOnlyList<KeyValuePair<Loc<string>, Loc<string>?>> StringDict(string field) =>
        Values.GetValueOrDefault(field) is Loc<List<KeyValuePair<Loc<string>, object?>>> dict
            ? dict.Value.Select(e => KeyValuePair.Create(e.Key, e.Value as Loc<string>)).ToList()
            : [];

    public IReadOnlyList<KeyValuePair<Loc<string>, Loc<string>>> Map(string field) =>
        Values.GetValueOrDefault(field) is Loc<List<KeyValuePair<Loc<string>, Loc<string>>>> map ? map.Value : [];
}

/// <summary>A mapping from free names (topics, Redis keys) to values of one type, in file order.</summary>
internal sealed class DictType(string keyText, FieldType value) : FieldType
{
    public override string Expected => $"a mapping of {keyText} to {value.Expected}";

    public override object? Read(YamlNode node, string what, DiagnosticBag diags)
    {
        if (node is not YamlMappingNode map)
        {
            diags.Error(Pos.Of(node.Start), $"{what} must be {Expected}, found {Found(node)}");
            return null;
        }
        var entries = new List<KeyValuePair<Loc<string>, object?>>(map.Children.Count);
        foreach (var (key, child) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name })
            {
                diags.Error(Pos.Of(key.Start), $"{what} must have plain {keyText} as keys, found {Found(key)}");
                continue;
            }
            var read = IsNull(child) ? null : value.Read(child, $"'{Shorten(name)}'", diags);
            if (read is null && !IsNull(child)) continue;
            entries.Add(new(new Loc<string>(name, Pos.Of(key.Start)), read));
        }
        return new Loc<List<KeyValuePair<Loc<string>, object?>>>(entries, Pos.Of(node.Start));
    }

    public override JsonObject Schema() => new() { ["type"] = "object", ["additionalProperties"] = value.Schema() };
}
