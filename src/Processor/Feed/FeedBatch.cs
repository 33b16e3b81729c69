using System.Text;
using System.Text.Json;
using ContactCenter.Stores.Redis;

namespace ContactCenter.Processor.Feed;

/// <summary>One change as the feed forwards it: its fence position, its fields for filtering (null: deleted) and its JSON
/// object exactly as published (<see cref="StateChangeMessage"/>), sent to clients verbatim.</summary>
internal sealed record FeedChange(string Key, int Partition, long Offset, IReadOnlyDictionary<string, string>? Fields, string Json)
{
    /// <summary>The change for an agent Redis holds (snapshot and catch-up), in the published shape.</summary>
    public static FeedChange From(StoredAgentState state) => Of(state.Key, state.Partition, state.Offset, state.TimestampMs, state.Fields);

    /// <summary>"This agent is no longer in your view" (deleted, or moved out of the client's filter).</summary>
    public FeedChange AsRemoval() => Fields is null ? this : Of(Key, Partition, Offset, 0, null);

    private static FeedChange Of(string key, int partition, long offset, long timestampMs, IReadOnlyDictionary<string, string>? fields)
    {
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer))
            StateChangeMessage.WriteChange(json, key, partition, offset, timestampMs, fields);
        return new FeedChange(key, partition, offset, fields, Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }
}

/// <summary>One published message: the changes of one acknowledged batch and when it was acknowledged (Unix ms).</summary>
internal sealed record FeedBatch(double AckUnixMs, IReadOnlyList<FeedChange> Changes)
{
    private byte[]? _sharedFrame;

    /// <summary>The batch as one SSE event without its id line and closing blank line (<c>event: changes</c>, <c>data: ...</c>):
    /// encoded once and written as is to every client that takes the whole batch; each adds its own <c>id:</c>.</summary>
    public byte[] SharedFrame => _sharedFrame ??= Frame();

    private byte[] Frame()
    {
        var text = new StringBuilder(64 + Changes.Sum(c => c.Json.Length + 1));
        text.Append("event: changes\ndata: {\"ack\":").Append(AckUnixMs.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)).Append(",\"changes\":[");
        for (var i = 0; i < Changes.Count; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(Changes[i].Json);
        }
        return Encoding.UTF8.GetBytes(text.Append("]}\n").ToString());
    }

    /// <summary>Sent to every client every heartbeat interval so that dead connections are noticed and proxies keep them.</summary>
    public static FeedBatch Heartbeat { get; } = new(0, []);

    /// <summary>Decodes a <see cref="StateChangeMessage"/>; throws <see cref="JsonException"/> or <see cref="FormatException"/> on anything else.</summary>
    public static FeedBatch Decode(ReadOnlyMemory<byte> message)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        var ack = root.GetProperty(StateChangeMessage.AckProperty).GetDouble();
        var items = root.GetProperty(StateChangeMessage.ChangesProperty);
        var changes = new List<FeedChange>(items.GetArrayLength());
        foreach (var item in items.EnumerateArray())
        {
            Dictionary<string, string>? fields = null;
            if (item.GetProperty("fields") is { ValueKind: JsonValueKind.Object } values)
            {
                fields = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var field in values.EnumerateObject())
                    fields[field.Name] = field.Value.GetString() ?? "";
            }
            changes.Add(new FeedChange(item.GetProperty("key").GetString() ?? throw new FormatException("a change without a key"),
                item.GetProperty("p").GetInt32(), item.GetProperty("o").GetInt64(), fields, item.GetRawText()));
        }
        return new FeedBatch(ack, changes);
    }
}
