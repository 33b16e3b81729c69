using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace ContactCenter.Topology.Files;

/// <summary>An integer in a closed range.</summary>
internal sealed class IntType(int min, int max) : FieldType
{
    public override string Expected => IntegerText.Expected(min, max);

    public override object? Read(YamlNode node, string what, DiagnosticBag diags) =>
        IntegerText.TryRead(this, node, what, diags, min, max, out var value) ? new Loc<int>((int)value, Pos.Of(node.Start)) : null;

    public override JsonObject Schema() => new() { ["type"] = "integer", ["minimum"] = min, ["maximum"] = max };
}

/// <summary>A 64-bit integer in a closed range, read by the same rules as <see cref="IntType"/>.</summary>
internal sealed class LongType(long min, long max) : FieldType
{
    public override string Expected => IntegerText.Expected(min, max);

    public override object? Read(YamlNode node, string what, DiagnosticBag diags) =>
        IntegerText.TryRead(this, node, what, diags, min, max, out var value) ? new Loc<long>(value, Pos.Of(node.Start)) : null;

    public override JsonObject Schema() => new() { ["type"] = "integer", ["minimum"] = min, ["maximum"] = max };
}

/// <summary>How an integer field is read: a plain (unquoted) YAML integer within the range, as the schema types it.</summary>
internal static class IntegerText
{
    public static string Expected(long min, long max) => min == max ? $"the integer {min}" : $"an integer from {min} to {max}";

    public static bool TryRead(FieldType type, YamlNode node, string what, DiagnosticBag diags, long min, long max, out long value)
    {
        value = 0;
        var expected = type.Expected;
        if (!type.Scalar(node, what, diags, out var text)) return false;
        var scalar = (YamlScalarNode)node;
        if (YamlScalars.Kind(scalar) == ScalarKind.String && scalar.Tag.IsEmpty && scalar.Style is not (YamlDotNet.Core.ScalarStyle.Plain or YamlDotNet.Core.ScalarStyle.Any))
        {
            diags.Error(Pos.Of(node.Start), $"{what} must be {expected}, found the text '{FieldType.Shorten(text)}'; write the number without quotes");
            return false;
        }
        if (!YamlScalars.TryInteger(scalar, out value) || value < min || value > max)
        {
            var note = YamlScalars.TagNote(scalar);
            diags.Error(Pos.Of(node.Start), $"{what} must be {expected}, found '{FieldType.Shorten(text)}'{note}{(note.Length > 0 ? "; write the number without a tag" : "")}");
            return false;
        }
        return true;
    }
}
