using System.Text;
using System.Text.Json;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Topology.Events;

/// <summary>A source event reduced to what the aggregate needs: its version, time and mapped fields.</summary>
public sealed class DecodedEvent
{
    public long Version { get; internal set; }
    public long Timestamp { get; internal set; }
    public string? AgentId { get; internal set; }

    /// <summary>Fields under their aggregate names, in mapping order of appearance.</summary>
    public List<KeyValuePair<string, string>> Fields { get; } = new(8);
}

/// <summary>
/// Reads a flat JSON source event without reflection, keeping only the fields a topology maps.
/// Scalars become their text (strings unescaped), arrays and objects their compact JSON; nulls are absent.
/// </summary>
public static class SourceEventDecoder
{
    /// <summary>Decodes <paramref name="json"/>; on failure returns false with a reason fit for a dead-letter header.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> json, IReadOnlyList<FieldMapping> mapping, out DecodedEvent decoded, out string? error)
    {
        decoded = new DecodedEvent();
        error = null;
        var haveVersion = false;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
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
                if (reader.ValueTextEquals("version"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var version) || version < 0)
                    {
                        error = "field 'version' must be a non-negative integer";
                        return false;
                    }
                    decoded.Version = version;
                    haveVersion = true;
                    continue;
                }
                if (reader.ValueTextEquals("ts"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var ts))
                    {
                        error = "field 'ts' must be an integer (Unix milliseconds)";
                        return false;
                    }
                    decoded.Timestamp = ts;
                    continue;
                }
                if (reader.ValueTextEquals("agentId"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        error = "field 'agentId' must be a string";
                        return false;
                    }
                    decoded.AgentId = reader.GetString();
                    continue;
                }
                var target = FindTarget(ref reader, mapping);
                reader.Read();
                if (target is null)
                {
                    reader.Skip();
                    continue;
                }
                var text = ReadValueText(ref reader, json);
                if (text is not null)
                    decoded.Fields.Add(new KeyValuePair<string, string>(target, text));
            }
        }
        catch (JsonException ex)
        {
            error = "malformed JSON: " + ex.Message;
            return false;
        }
        if (!haveVersion)
        {
            error = "missing field 'version'";
            return false;
        }
        return true;
    }

    private static string? FindTarget(ref Utf8JsonReader reader, IReadOnlyList<FieldMapping> mapping)
    {
        for (var i = 0; i < mapping.Count; i++)
        {
            if (reader.ValueTextEquals(mapping[i].From))
                return mapping[i].To;
        }
        return null;
    }

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
