using System.Buffers;
using System.Text.Json;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// The pub/sub message a stage publishes for each batch Redis acknowledged: the applied changes in order, each with its
/// fence position so that a subscriber can order them (per key: newer partition/offset wins, exactly as the fence script).
/// </summary>
/// <remarks>
/// Shape (UTF-8 JSON): <c>{"ack":1732999999123.4,"changes":[{"key":"cc:agent:a1","p":3,"o":17,"t":1732999999000,"fields":{...}}]}</c>;
/// <c>ack</c> is when the writer saw Redis's acknowledgement (Unix ms, fractional), <c>fields</c> is null for a deleted agent.
/// The same change object is what the feed sends to browsers, so it is encoded once here and forwarded verbatim.
/// </remarks>
public static class StateChangeMessage
{
    public const string AckProperty = "ack";
    public const string ChangesProperty = "changes";

    /// <summary>Encodes <paramref name="writes"/> acknowledged at <paramref name="ackUnixMs"/>.</summary>
    public static byte[] Encode(IReadOnlyList<AgentStateWrite> writes, double ackUnixMs)
    {
        // This thread's buffer and writer, reused: only the message itself is allocated (the publish keeps it).
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(64 * 1024);
        buffer.ResetWrittenCount();
        var json = _json ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        json.WriteStartObject();
        json.WriteNumber(AckProperty, Math.Round(ackUnixMs, 3));
        json.WriteStartArray(ChangesProperty);
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            WriteChange(json, write.Key, write.Partition, write.Offset, write.SourceTimestampMs, write.Fields);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic] private static Utf8JsonWriter? _json;

    /// <summary>One change object; <paramref name="fields"/> null for a deletion.</summary>
    public static void WriteChange(Utf8JsonWriter json, string key, int partition, long offset, long timestampMs, IEnumerable<KeyValuePair<string, string>>? fields)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteNumber("p", partition);
        json.WriteNumber("o", offset);
        json.WriteNumber("t", timestampMs);
        if (fields is null)
        {
            json.WriteNull("fields");
        }
        else
        {
            json.WriteStartObject("fields");
            if (fields is KeyValuePair<string, string>[] array)
            {
                foreach (var field in array) // no boxed enumerator on the writer's path
                    json.WriteString(field.Key, field.Value);
            }
            else
            {
                foreach (var field in fields)
                    json.WriteString(field.Key, field.Value);
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }
}
