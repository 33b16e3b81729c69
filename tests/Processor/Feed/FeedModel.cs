using System.Text.Json;
using ContactCenter.Testing;

namespace ContactCenter.Tests.Processor.Feed;

/// <summary>
/// What a feed client holds, built only from the events it received, and what it saw go wrong: a change received twice
/// (same partition and offset), or one older than what the client already held for that key.
/// </summary>
internal sealed class FeedModel
{
    private readonly HashSet<(int, long)> _received = [];

    public Dictionary<string, (int P, long O, Dictionary<string, string> Fields)> Agents { get; } = new(StringComparer.Ordinal);

    public List<string> Duplicates { get; } = [];

    public List<string> StaleOverwrites { get; } = [];

    public int Changes { get; private set; }

    public void Apply(ServerSentEvent e)
    {
        if (e.Event == "snapshot") Agents.Clear();
        using var data = JsonDocument.Parse(e.Data);
        foreach (var change in data.RootElement.GetProperty("changes").EnumerateArray())
        {
            var key = change.GetProperty("key").GetString()!;
            var p = change.GetProperty("p").GetInt32();
            var o = change.GetProperty("o").GetInt64();
            Changes++;
            if (!_received.Add((p, o)) && change.GetProperty("fields").ValueKind != JsonValueKind.Null)
                Duplicates.Add($"{key} {p}:{o}");
            if (Agents.TryGetValue(key, out var held) && held.P == p && held.O >= o)
                StaleOverwrites.Add($"{key}: held {held.P}:{held.O}, received {p}:{o}");
            if (change.GetProperty("fields") is { ValueKind: JsonValueKind.Object } fields)
                Agents[key] = (p, o, fields.EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetString()!, StringComparer.Ordinal));
            else
                Agents.Remove(key);
        }
    }

    /// <summary>Differences from <paramref name="redis"/> (key -> fields), one line each; empty when equal.</summary>
    public List<string> DiffersFrom(Dictionary<string, Dictionary<string, string>> redis)
    {
        var diffs = new List<string>();
        foreach (var (key, fields) in redis)
        {
            if (!Agents.TryGetValue(key, out var held)) diffs.Add($"{key}: missing from the client");
            else if (!held.Fields.OrderBy(f => f.Key).SequenceEqual(fields.OrderBy(f => f.Key))) diffs.Add($"{key}: client holds other fields");
        }
        diffs.AddRange(Agents.Keys.Where(k => !redis.ContainsKey(k)).Select(k => $"{k}: client holds an agent Redis does not"));
        return diffs;
    }
}
