using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Topology.Files;

/// <summary>What a YAML 1.2 core-schema reader (an editor checking the JSON Schema) takes a scalar to be.</summary>
internal enum ScalarKind { Null, Bool, Int, Float, String }

/// <summary>
/// Resolves scalars the way YAML 1.2's core schema does, so the loader sees the same types as an editor that checks
/// the published JSON Schema: a plain <c>6</c> is a number, <c>"6"</c> is a string, <c>true</c> a boolean. An explicit
/// tag decides before the text does: <c>!!str 6</c> is a string like <c>"6"</c>, <c>!!float 3</c> a float (never
/// an integer field's value), <c>!!int "6"</c> an integer; any other tag (<c>!</c>, <c>!custom</c>) makes it a string.
/// </summary>
internal static class YamlScalars
{
    private static readonly Regex Int10 = new("^[-+]?[0-9]+$", RegexOptions.CultureInvariant);
    private static readonly Regex Int8 = new("^0o[0-7]+$", RegexOptions.CultureInvariant);
    private static readonly Regex Int16 = new("^0x[0-9a-fA-F]+$", RegexOptions.CultureInvariant);
    private static readonly Regex Float = new(@"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$", RegexOptions.CultureInvariant);

    private const string CoreTagPrefix = "tag:yaml.org,2002:";

    public static ScalarKind Kind(YamlScalarNode node)
    {
        if (!node.Tag.IsEmpty)
        {
            return node.Tag.Value switch
            {
                CoreTagPrefix + "null" => ScalarKind.Null,
                CoreTagPrefix + "bool" => ScalarKind.Bool,
                CoreTagPrefix + "int" => ScalarKind.Int,
                CoreTagPrefix + "float" => ScalarKind.Float,
                _ => ScalarKind.String,
            };
        }
        if (node.Style is not (ScalarStyle.Plain or ScalarStyle.Any)) return ScalarKind.String;
        var text = node.Value ?? string.Empty;
        if (text.Length == 0 || text is "~" or "null" or "Null" or "NULL") return ScalarKind.Null;
        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE") return ScalarKind.Bool;
        if (Int10.IsMatch(text) || Int8.IsMatch(text) || Int16.IsMatch(text)) return ScalarKind.Int;
        return Float.IsMatch(text) ? ScalarKind.Float : ScalarKind.String;
    }

    /// <summary>The integer value of an int scalar, or of a float scalar without a fractional part (JSON Schema's "integer").</summary>
    public static bool TryInteger(YamlScalarNode node, out long value)
    {
        value = 0;
        var text = node.Value ?? string.Empty;
        switch (Kind(node))
        {
            case ScalarKind.Int:
                if (Int8.IsMatch(text)) return TryBase(text[2..], 8, out value);
                if (Int16.IsMatch(text)) return long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && value >= 0;
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
            case ScalarKind.Float:
                // 3.0 written as a float is JSON's integer 3, but a float the author tagged as such is meant as one.
                if (!node.Tag.IsEmpty) return false;
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || double.IsNaN(d) || double.IsInfinity(d)
                    || Math.Floor(d) != d || Math.Abs(d) > long.MaxValue / 2) return false;
                value = (long)d;
                return true;
            default:
                return false;
        }
    }

    private static bool TryBase(string digits, int radix, out long value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (value > (long.MaxValue - radix) / radix) return false;
            value = value * radix + (c - '0');
        }
        return true;
    }

    /// <summary>" (tagged !!str)" for a scalar with an explicit tag, so a message says why its text was not taken at face value.</summary>
    public static string TagNote(YamlScalarNode node) =>
        node.Tag.IsEmpty ? string.Empty
        : node.Tag.Value.StartsWith(CoreTagPrefix, StringComparison.Ordinal) ? $" (tagged !!{node.Tag.Value[CoreTagPrefix.Length..]})"
        : $" (tagged {node.Tag.Value})";

    /// <summary>How a scalar of another type is named in messages ("the number 6", "the boolean true", "null").</summary>
    public static string Describe(YamlScalarNode node) => Kind(node) switch
    {
        ScalarKind.Null => "nothing (null)" + TagNote(node),
        ScalarKind.Bool => $"the boolean {node.Value}{TagNote(node)}",
        ScalarKind.Int or ScalarKind.Float => $"the number {node.Value}{TagNote(node)}",
        _ => $"the text '{node.Value}'{TagNote(node)}",
    };
}
