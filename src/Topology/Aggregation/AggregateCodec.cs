using System.Buffers;
using System.Text.Json;

namespace ContactCenter.Topology.Aggregation;

/// <summary>
/// The single wire and store format of <see cref="UserAggregate"/>:
/// <c>{"key":"a-1","ts":1,"parts":{"agent":{"v":3,"ts":1,"d":false,"f":{"name":"Ann"}}}}</c>.
/// The same bytes are the store value and the <c>user-aggregate</c> record, so that topic can serve as changelog.
/// </summary>
public static class AggregateCodec
{
    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic] private static Utf8JsonWriter? _writer;

    public static byte[] Encode(UserAggregate aggregate)
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(buffer);
        writer.Reset(buffer);
        writer.WriteStartObject();
        writer.WriteString("key"u8, aggregate.Key);
        writer.WriteNumber("ts"u8, aggregate.Timestamp);
        writer.WriteStartObject("parts"u8);
        foreach (var part in aggregate.Parts)
        {
            writer.WriteStartObject(part.Name);
            writer.WriteNumber("v"u8, part.Version);
            writer.WriteNumber("ts"u8, part.Timestamp);
            writer.WriteBoolean("d"u8, part.Deleted);
            writer.WriteStartObject("f"u8);
            foreach (var field in part.Fields)
                writer.WriteString(field.Key, field.Value);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes an aggregate; throws <see cref="FormatException"/> with the reason when the bytes are not one.</summary>
    public static UserAggregate Decode(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            Expect(ref reader, JsonTokenType.StartObject);
            string? key = null;
            long ts = 0;
            var parts = new List<PartState>(3);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("key"u8)) { Next(ref reader); key = reader.GetString(); }
                else if (reader.ValueTextEquals("ts"u8)) { Next(ref reader); ts = reader.GetInt64(); }
                else if (reader.ValueTextEquals("parts"u8)) ReadParts(ref reader, parts);
                else { Next(ref reader); reader.Skip(); }
            }
            if (key is null) throw new FormatException("aggregate has no 'key'");
            var aggregate = new UserAggregate(key) { Timestamp = ts };
            parts.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
            aggregate.Parts.AddRange(parts);
            return aggregate;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new FormatException("not a user aggregate: " + ex.Message, ex);
        }
    }

    private static void ReadParts(ref Utf8JsonReader reader, List<PartState> parts)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var part = new PartState(Name(ref reader));
            Expect(ref reader, JsonTokenType.StartObject);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("v"u8)) { Next(ref reader); part.Version = reader.GetInt64(); }
                else if (reader.ValueTextEquals("ts"u8)) { Next(ref reader); part.Timestamp = reader.GetInt64(); }
                else if (reader.ValueTextEquals("d"u8)) { Next(ref reader); part.Deleted = reader.GetBoolean(); }
                else if (reader.ValueTextEquals("f"u8))
                {
                    Expect(ref reader, JsonTokenType.StartObject);
                    while (Next(ref reader) == JsonTokenType.PropertyName)
                    {
                        var name = Name(ref reader);
                        Next(ref reader);
                        part.Fields.Add(new KeyValuePair<string, string>(name, Text(ref reader) ?? string.Empty));
                    }
                }
                else { Next(ref reader); reader.Skip(); }
            }
            parts.Add(part);
        }
    }

    /// <summary>The current property name or string value, from <see cref="Utf8StringCache"/> when it is plain (not
    /// escaped, one segment); null for a JSON null.</summary>
    private static string? Text(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null ? null
        : reader.ValueIsEscaped || reader.HasValueSequence || reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) ? reader.GetString()
        : Utf8StringCache.Current.Get(reader.ValueSpan);

    private static string Name(ref Utf8JsonReader reader) => Text(ref reader)!;

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new FormatException("aggregate JSON ends early");
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type) throw new FormatException($"expected {type}, found {reader.TokenType}");
    }
}
