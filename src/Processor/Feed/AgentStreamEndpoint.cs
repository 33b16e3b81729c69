using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace ContactCenter.Processor.Feed;

/// <summary>
/// <c>GET /agents/stream</c>: Server-Sent Events of the agents a client asks for (<see cref="FeedFilter"/>): first what
/// Redis holds, then every change, each event's id being the client's <see cref="FeedPosition"/>.
/// </summary>
/// <remarks>
/// Why nothing is missed or sent twice, on any pod: the client is registered with the feed (so it receives every batch
/// published from then on) before the stage's progress P is read from Redis, and the hashes after that. A write with
/// offset &lt;= P[p] was applied before P was read, so the hashes show it (or something newer); a write with offset
/// &gt; P[p] was applied after, so it was published after the client registered and reaches it live. Hence: the first
/// event carries every agent whose stored change is newer than the client's position and at most P, with id
/// max(position, P); live batches then carry exactly the changes newer than the position. A key read with a change
/// newer than P is left to the live stream, which brings it.
/// </remarks>
internal static class AgentStreamEndpoint
{
    public const string Path = "/agents/stream";

    public static async Task HandleAsync(HttpContext http, AgentFeed feed)
    {
        var spec = feed.Spec;
        FeedPosition position;
        try
        {
            var id = http.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? http.Request.Query[FeedFilter.LastEventIdParameter].FirstOrDefault();
            position = FeedPosition.Parse(id, spec.InputPartitions);
        }
        catch (FormatException error)
        {
            await Results.Text($"bad event id: {error.Message}\n", statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
            return;
        }
        var resuming = position.ToString().Length > 0;
        var filter = FeedFilter.From(http.Request.Query);
        using var session = await FeedStreamSession.OpenAsync(http, feed);
        if (session is null) return;
        var (redis, connection, ct) = (session.Redis, session.Connection, session.Ended);

        // Keys the client may hold while a filter is on: a change that leaves the filter must remove them.
        HashSet<string>? held = filter.IsEverything ? null : new(StringComparer.Ordinal);
        var first = await FirstEventAsync(redis, spec, position, filter, resuming, held, ct);

        FeedStreamSession.BeginEventStream(http.Response);
        var body = http.Response.BodyWriter;
        var events = new StringBuilder(4096);
        events.Append("retry: 1000\n");
        AppendEvent(events, resuming ? "changes" : "snapshot", position, StateChangePublisher.UnixMsNow(), first);
        try
        {
            await WriteAsync(body, events, ct);
            var changes = new List<FeedChange>();
            while (await connection.Batches.WaitToReadAsync(ct))
            {
                while (connection.Batches.TryRead(out var batch))
                {
                    if (ReferenceEquals(batch, FeedBatch.Heartbeat))
                    {
                        events.Append(": heartbeat\n\n");
                        continue;
                    }
                    if (held is null && AllNew(batch, position))
                    {
                        // The common case (no filter, nothing seen yet): the frame every such client shares, plus its id.
                        foreach (var change in batch.Changes)
                            position.Advance(change.Partition, change.Offset);
                        Flush(body, events);
                        body.Write(batch.SharedFrame);
                        events.Append("id: ").Append(position.ToString()).Append("\n\n");
                        continue;
                    }
                    changes.Clear();
                    var moved = false;
                    foreach (var change in batch.Changes)
                    {
                        if (!position.IsNew(change.Partition, change.Offset)) continue;
                        position.Advance(change.Partition, change.Offset);
                        moved = true;
                        if (held is null)
                        {
                            changes.Add(change);
                        }
                        else if (filter.Matches(change.Fields))
                        {
                            held.Add(change.Key);
                            changes.Add(change);
                        }
                        else if (held.Remove(change.Key))
                        {
                            changes.Add(change.AsRemoval());
                        }
                    }
                    // The position moved even when nothing here is for this client: the id says so, for resumes.
                    if (moved) AppendEvent(events, "changes", position, batch.AckUnixMs, changes);
                }
                await WriteAsync(body, events, ct);
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
        if (connection.DroppedBecause is { } reason)
        {
            // The client reconnects (retry: 1000) and resumes from its last id: nothing is lost.
            events.Append(CultureInfo.InvariantCulture, $"event: dropped\ndata: {{\"reason\":\"{reason}\"}}\n\n");
            try { await WriteAsync(body, events, CancellationToken.None); }
            catch (IOException) { }
        }
    }

    private static async Task<List<FeedChange>> FirstEventAsync(IConnectionMultiplexer redis, StateStageSpec spec, FeedPosition position,
        FeedFilter filter, bool resuming, HashSet<string>? held, CancellationToken ct)
    {
        var progress = await RedisStateReader.ReadOffsetsAsync(redis.GetDatabase(), spec.Name, RedisKeyspace.OffsetsPrefix);
        var upTo = new FeedPosition(position.Partitions);
        foreach (var (partition, offset) in progress)
            upTo.Advance(partition, offset);
        var changes = new List<FeedChange>();
        var seen = new FeedPosition(position.Partitions); // highest included per partition without recorded progress
        await foreach (var state in StoredAgentState.ReadAllAsync(redis, spec.KeyPattern, tombstones: resuming, ct))
        {
            var recorded = progress.ContainsKey(state.Partition);
            if (recorded && state.Offset > upTo[state.Partition])
            {
                held?.Add(state.Key); // newer than P: the live stream brings it, and it may leave the filter then
                continue;
            }
            var isNew = position.IsNew(state.Partition, state.Offset);
            var matches = filter.Matches(state.Fields);
            if (matches) held?.Add(state.Key);
            if (!isNew) continue;
            if (!recorded) seen.Advance(state.Partition, state.Offset);
            if (matches)
                changes.Add(FeedChange.From(state));
            else if (resuming)
                changes.Add(FeedChange.From(state).AsRemoval()); // deleted, or no longer in the filter
        }
        // Ordered by fence position, so a client applying them in order sees each partition move forward.
        changes.Sort((a, b) => a.Partition != b.Partition ? a.Partition.CompareTo(b.Partition) : a.Offset.CompareTo(b.Offset));
        for (var p = 0; p < position.Partitions; p++)
        {
            // Without recorded progress (Redis lost it), what was read is the best position there is.
            position.Advance(p, progress.ContainsKey(p) ? upTo[p] : seen[p]);
        }
        return changes;
    }

    private static void AppendEvent(StringBuilder events, string name, FeedPosition position, double ackUnixMs, List<FeedChange> changes)
    {
        if (changes.Count == 0 && name == "changes")
        {
            // Only the position moved (changes of agents outside the filter): an event with an id and no data updates
            // the browser's last event id without calling any handler.
            events.Append("id: ").Append(position.ToString()).Append("\n\n");
            return;
        }
        events.Append("id: ").Append(position.ToString()).Append("\nevent: ").Append(name)
            .Append("\ndata: {\"ack\":").Append(ackUnixMs.ToString("0.###", CultureInfo.InvariantCulture)).Append(",\"changes\":[");
        for (var i = 0; i < changes.Count; i++)
        {
            if (i > 0) events.Append(',');
            events.Append(changes[i].Json);
        }
        events.Append("]}\n\n");
    }

    private static bool AllNew(FeedBatch batch, FeedPosition position)
    {
        foreach (var change in batch.Changes)
        {
            if (!position.IsNew(change.Partition, change.Offset)) return false;
        }
        return batch.Changes.Count > 0;
    }

    /// <summary>Moves what <paramref name="events"/> holds into the response's buffer (UTF-8, no intermediate string).</summary>
    private static void Flush(PipeWriter body, StringBuilder events)
    {
        foreach (var chunk in events.GetChunks())
            Encoding.UTF8.GetBytes(chunk.Span, body);
        events.Clear();
    }

    private static async Task WriteAsync(PipeWriter body, StringBuilder events, CancellationToken ct)
    {
        Flush(body, events);
        var flushed = await body.FlushAsync(ct);
        if (flushed.IsCompleted || flushed.IsCanceled) throw new IOException("the client went away");
    }
}
