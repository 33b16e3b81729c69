using System.Runtime.CompilerServices;
using System.Text;

namespace ContactCenter.Testing;

/// <summary>One Server-Sent Event as a browser dispatches it: its id (the last one seen), type and data.</summary>
public sealed record ServerSentEvent(string? Id, string Event, string Data);

/// <summary>
/// Reads a <c>text/event-stream</c> body the way a browser's EventSource does (WHATWG HTML, "Server-sent events"):
/// fields per line, an empty line dispatches, an id persists across events, an event without data is not dispatched
/// but still moves the last event id (reported through <paramref name="onId"/>).
/// </summary>
public static class ServerSentEvents
{
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream body, Action<string>? onId = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        string? lastId = null;
        string? type = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (lastId is not null) onId?.Invoke(lastId);
                if (data.Length > 0)
                    yield return new ServerSentEvent(lastId, type ?? "message", data.ToString(0, data.Length - 1));
                data.Clear();
                type = null;
                continue;
            }
            if (line[0] == ':') continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": lastId = value; break;
                case "event": type = value; break;
                case "data": data.Append(value).Append('\n'); break;
            }
        }
    }
}
