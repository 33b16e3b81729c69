using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Events;

/// <summary>A source event reduced to what the aggregate needs: its version, time and mapped fields.</summary>
internal sealed class DecodedEvent
{
    public long Version { get; internal set; }
    public long Timestamp { get; internal set; }
    public string? AgentId { get; internal set; }

    /// <summary>Fields under their aggregate names, in mapping order of appearance.</summary>
    public List<KeyValuePair<string, string>> Fields { get; } = new(8);
}

/// <summary>
/// Reads a flat JSON source event without reflection, keeping only the fields a topology maps. The key, version and
/// timestamp fields are the ones the source names. Scalars become their text (strings unescaped), arrays and objects
/// their compact JSON; nulls are absent.
/// </summary>
/// <remarks>
/// Every way a value can be wrong ends in <c>false</c> with a reason, never in an exception: the value must be valid
/// UTF-8 JSON object of at most <see cref="RecordLimits.MaxRecordBytes"/>, name each special field at most once with
/// the right type, keep versions within <see cref="RecordLimits.MaxVersion"/> and mapped values within
/// <see cref="RecordLimits.MaxFieldBytes"/>, and give a mapped field that declares a type (<see cref="FieldMapping.Type"/>)
/// a value of that type (a number with a fraction is no integer; null is an absent field whatever the type).
/// </remarks>
internal static class SourceEventDecoder
{
    private const int MaxDepth = 16;

    /// <summary>Decodes <paramref name="json"/>; on failure returns false with a reason fit for a dead-letter header.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> json, SourceSpec source, RecordLimits limits, out DecodedEvent decoded, out string? error)
    {
        decoded = new DecodedEvent();
        if (json.Length > limits.MaxRecordBytes)
        {
            error = $"value is {json.Length} bytes, over limits.max-record-bytes ({limits.MaxRecordBytes})";
            return false;
        }
        if (!Utf8.IsValid(json))
        {
            error = $"value is not valid UTF-8 (byte {FirstInvalidUtf8(json)})";
            return false;
        }
        try
        {
            return TryRead(json, source, limits, decoded, out error);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            error = "malformed JSON: " + ex.Message;
            return false;
        }
    }

    private static bool TryRead(ReadOnlySpan<byte> json, SourceSpec source, RecordLimits limits, DecodedEvent decoded, out string? error)
    {
        error = null;
        bool haveVersion = false, haveTimestamp = false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxDepth });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = "value is not a JSON object";
            return false;
        }
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
                break;
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                error = $"unexpected JSON token {reader.TokenType} at byte {reader.TokenStartIndex}";
                return false;
            }
            if (reader.ValueTextEquals(source.VersionField))
            {
                if (haveVersion) return Fail(out error, $"field '{source.VersionField}' appears twice");
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var version) || version < 0)
                    return Fail(out error, $"field '{source.VersionField}' must be a non-negative integer");
                if (version > limits.MaxVersion)
                    return Fail(out error, $"field '{source.VersionField}' is {version}, over limits.max-version ({limits.MaxVersion})");
                decoded.Version = version;
                haveVersion = true;
                continue;
            }
            if (reader.ValueTextEquals(source.TimestampField))
            {
                if (haveTimestamp) return Fail(out error, $"field '{source.TimestampField}' appears twice");
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var ts) || ts < 0)
                    return Fail(out error, $"field '{source.TimestampField}' must be a non-negative integer (Unix milliseconds)");
                decoded.Timestamp = ts;
                haveTimestamp = true;
                continue;
            }
            if (reader.ValueTextEquals(source.KeyField))
            {
                if (decoded.AgentId is not null) return Fail(out error, $"field '{source.KeyField}' appears twice");
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                    return Fail(out error, $"field '{source.KeyField}' must be a string");
                decoded.AgentId = reader.GetString();
                continue;
            }
            var mapping = FindMapping(ref reader, source.Fields);
            reader.Read();
            if (mapping is null)
            {
                reader.Skip();
                continue;
            }
            var target = mapping.To;
            if (mapping.Type != JsonFieldType.Any && reader.TokenType != JsonTokenType.Null && !HasType(ref reader, mapping.Type))
                return Fail(out error, $"field '{mapping.From}' must be {Article(mapping.Type)}, found {Found(reader.TokenType)}");
            var text = ReadValueText(ref reader, json);
            if (text is null)
                continue;
            if (Contains(decoded.Fields, target))
                return Fail(out error, $"field mapped to '{target}' appears twice");
            var bytes = Encoding.UTF8.GetByteCount(text);
            if (bytes > limits.MaxFieldBytes)
                return Fail(out error, $"field mapped to '{target}' is {bytes} bytes, over limits.max-field-bytes ({limits.MaxFieldBytes})");
            decoded.Fields.Add(new KeyValuePair<string, string>(target, text));
        }
        if (reader.Read())
            return Fail(out error, $"unexpected data after the JSON object at byte {reader.TokenStartIndex}");
        if (!haveVersion)
            return Fail(out error, $"missing field '{source.VersionField}'");
        return true;
    }

    private static bool Fail(out string? error, string reason)
    {
        error = reason;
        return false;
    }

    private static bool Contains(List<KeyValuePair<string, string>> fields, string name)
    {
        foreach (var field in fields)
        {
            if (string.Equals(field.Key, name, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Offset of the first byte that does not start or continue a valid UTF-8 sequence.</summary>
    public static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
                return offset;
            offset += consumed;
        }
        return -1;
    }

    private static FieldMapping? FindMapping(ref Utf8JsonReader reader, IReadOnlyList<FieldMapping> mapping)
    {
        for (var i = 0; i < mapping.Count; i++)
        {
            if (reader.ValueTextEquals(mapping[i].From))
                return mapping[i];
        }
        return null;
    }

    /// <summary>Whether the value at the reader (not null) has <paramref name="type"/>; an integer is a number without
    /// a fractional part, as JSON Schema says (3 and 3.0, not 3.5).</summary>
    private static bool HasType(ref Utf8JsonReader reader, JsonFieldType type) => type switch
    {
        JsonFieldType.String => reader.TokenType == JsonTokenType.String,
        JsonFieldType.Number => reader.TokenType == JsonTokenType.Number,
        JsonFieldType.Integer => reader.TokenType == JsonTokenType.Number
            && (reader.TryGetInt64(out _) || reader.TryGetDouble(out var d) && double.IsFinite(d) && Math.Floor(d) == d),
        JsonFieldType.Boolean => reader.TokenType is JsonTokenType.True or JsonTokenType.False,
        JsonFieldType.Object => reader.TokenType == JsonTokenType.StartObject,
        JsonFieldType.Array => reader.TokenType == JsonTokenType.StartArray,
        _ => true,
    };

    private static string Article(JsonFieldType type) => type switch
    {
        JsonFieldType.String => "a string",
        JsonFieldType.Number => "a number",
        JsonFieldType.Integer => "an integer",
        JsonFieldType.Boolean => "a boolean",
        JsonFieldType.Object => "an object",
        _ => "an array",
    };

    private static string Found(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };

    private static string? ReadValueText(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.Number:
                return Encoding.UTF8.GetString(reader.ValueSpan);
            default:
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var end = (int)reader.BytesConsumed;
                return Encoding.UTF8.GetString(json[start..end]);
        }
    }
}
