using System.Text;
using System.Text.Json;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace ContactCenter.Processor.Feed;

/// <summary>
/// <c>GET /counts/stream</c>: Server-Sent Events of the stage's grouped counts (topology: <c>type: count</c>) as Redis
/// holds them: one <c>counts</c> event on connect, then one whenever a published batch of changes moved them. Nothing is
/// counted here or in the browser: each event is a read of the counts the fenced write keeps.
/// </summary>
/// <remarks>
/// The client registers with the feed before its first read, and the changes are published after Redis acknowledged
/// them, so a read made after a batch arrives shows at least that batch: the last event a client received is never
/// older than the last batch the feed saw. Reads are coalesced: at most one per <see cref="MinInterval"/>, and an
/// event only when the counts differ from the last one sent.
/// Query parameters filter groups by value: <c>?tenant=acme,globex</c> keeps the groups whose <c>tenant</c> is one of
/// those, in every count grouping by <c>tenant</c> (a count without that field is not filtered by it).
/// </remarks>
internal static class CountStreamEndpoint
{
    public const string Path = "/counts/stream";

    /// <summary>Shortest time between two reads of the counts for one client.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    public static async Task HandleAsync(HttpContext http, AgentFeed feed)
    {
        var spec = feed.Spec;
        var filter = http.Request.Query
            .Select(q => (Field: q.Key, Values: q.Value.SelectMany(v => (v ?? "").Split(',')).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal)))
            .Where(t => t.Values.Count > 0)
            .ToArray();
        using var session = await FeedStreamSession.OpenAsync(http, feed);
        if (session is null) return;
        var (redis, connection, ct) = (session.Redis, session.Connection, session.Ended);
        var counts = spec.Counts.Select(c => new GroupCount(c.Name, c.By, c.Key)).ToList();

        FeedStreamSession.BeginEventStream(http.Response);
        try
        {
            var last = await SendAsync(http, redis, counts, filter, null, ct);
            while (await connection.Batches.WaitToReadAsync(ct))
            {
                var heartbeat = false;
                var moved = false;
                while (connection.Batches.TryRead(out var batch))
                {
                    if (ReferenceEquals(batch, FeedBatch.Heartbeat)) heartbeat = true;
                    else moved = true;
                }
                if (moved)
                    last = await SendAsync(http, redis, counts, filter, last, ct);
                else if (heartbeat)
                    await WriteAsync(http, ": heartbeat\n\n", ct);
                await Task.Delay(MinInterval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        catch (IOException)
        {
            return; // the client went away
        }
        if (connection.DroppedBecause is not null)
        {
            try { await WriteAsync(http, "event: dropped\ndata: {}\n\n", CancellationToken.None); }
            catch (IOException) { }
        }
    }

    /// <summary>Reads the counts and sends them when they differ from <paramref name="last"/>; returns what was sent last.</summary>
    private static async Task<string?> SendAsync(HttpContext http, IConnectionMultiplexer redis, IReadOnlyList<GroupCount> counts,
        (string Field, HashSet<string> Values)[] filter, string? last, CancellationToken ct)
    {
        var data = Json(counts, await ReadAsync(redis, counts), filter);
        if (data == last) return last;
        await WriteAsync(http, "event: counts\ndata: " + data + "\n\n", ct);
        return data;
    }

    private static async Task<List<IReadOnlyDictionary<string, long>>> ReadAsync(IConnectionMultiplexer redis, IReadOnlyList<GroupCount> counts)
    {
        var read = new List<IReadOnlyDictionary<string, long>>(counts.Count);
        foreach (var count in counts)
            read.Add(await GroupCountReader.ReadAsync(redis, count));
        return read;
    }

    /// <summary><c>{"counts":[{"name":..,"by":[..],"groups":[{"values":[..],"agents":n}, ...]}]}</c>, groups in order.</summary>
    internal static string Json(IReadOnlyList<GroupCount> counts, IReadOnlyList<IReadOnlyDictionary<string, long>> read, (string Field, HashSet<string> Values)[] filter)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("counts");
            for (var i = 0; i < counts.Count; i++)
            {
                var count = counts[i];
                json.WriteStartObject();
                json.WriteString("name", count.Name);
                json.WriteStartArray("by");
                foreach (var field in count.By) json.WriteStringValue(field);
                json.WriteEndArray();
                json.WriteStartArray("groups");
                foreach (var (group, agents) in read[i].OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    var values = group.Split(GroupCount.Separator);
                    if (!Wanted(count, values, filter)) continue;
                    json.WriteStartObject();
                    json.WriteStartArray("values");
                    foreach (var value in values) json.WriteStringValue(value);
                    json.WriteEndArray();
                    json.WriteNumber("agents", agents);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static bool Wanted(GroupCount count, string[] values, (string Field, HashSet<string> Values)[] filter)
    {
        foreach (var (field, wanted) in filter)
        {
            var at = count.By.ToList().IndexOf(field);
            if (at >= 0 && (at >= values.Length || !wanted.Contains(values[at]))) return false;
        }
        return true;
    }

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken ct)
    {
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }
}
