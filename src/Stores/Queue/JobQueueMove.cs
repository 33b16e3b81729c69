using StackExchange.Redis;

namespace ContactCenter.Stores.Queue;

/// <summary>One key of a queue being moved: where it is, where it goes, and how many entries it holds.</summary>
public sealed record QueueKeyMove(string From, string To, RedisType Type, long Entries);

/// <summary>
/// Moves a durable job queue to a new queue key (a queue sink renamed in the topology): every key the queue uses
/// (<see cref="JobQueueKeys"/>: the job table, the ready, delayed, dead and per-worker processing lists, leases,
/// holders, attempts, status, errors and counters) goes to the same suffix under the new name, so jobs waiting, running,
/// waiting for a retry or dead are all seen by the new queue's workers, and a job id already queued is never queued
/// twice. When the new queue holds nothing yet, each key is renamed. Otherwise keys are merged: a job id the new queue
/// already holds keeps the new queue's entries (the old queue's copies of it are dropped, so it never runs twice), the
/// old lists' other jobs go ahead of the new lists' in their order, hash fields and sorted-set members the new queue
/// already has win, counters add up.
/// Run it with the old queue's stage and workers stopped (<see cref="WorkersAliveAsync"/> tells whether a worker pool
/// still holds the old queue's reaper lease).
/// </summary>
public static class JobQueueMove
{
    /// <summary>The keys of <paramref name="from"/> that exist, with their destination under <paramref name="to"/>.</summary>
    public static async Task<IReadOnlyList<QueueKeyMove>> PlanAsync(IConnectionMultiplexer redis, JobQueueKeys from, JobQueueKeys to)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var db = redis.GetDatabase();
        // Every key of the layout but the reaper's lease, which only says who may reap now and expires by itself.
        var names = new List<(string From, string To)>
        {
            (S(from.Jobs), S(to.Jobs)), (S(from.Ready), S(to.Ready)), (S(from.Leases), S(to.Leases)), (S(from.Holders), S(to.Holders)),
            (S(from.Attempts), S(to.Attempts)), (S(from.Delayed), S(to.Delayed)), (S(from.Dead), S(to.Dead)), (S(from.Status), S(to.Status)),
            (S(from.Errors), S(to.Errors)), (S(from.Counts), S(to.Counts)),
        };
        var processing = S(from.Processing(string.Empty));
        await foreach (var key in Redis.RedisStateReader.ScanKeysAsync(redis, Redis.RedisStateReader.EscapeGlob(processing) + "*").ConfigureAwait(false))
            names.Add((key, S(to.Processing(key[processing.Length..]))));
        var moves = new List<QueueKeyMove>();
        foreach (var (source, target) in names)
        {
            var type = await db.KeyTypeAsync(source).ConfigureAwait(false);
            if (type == RedisType.None) continue;
            var entries = type switch
            {
                RedisType.List => await db.ListLengthAsync(source).ConfigureAwait(false),
                RedisType.Hash => await db.HashLengthAsync(source).ConfigureAwait(false),
                RedisType.SortedSet => await db.SortedSetLengthAsync(source).ConfigureAwait(false),
                _ => 1,
            };
            moves.Add(new QueueKeyMove(source, target, type, entries));
        }
        return moves;
    }

    private static string S(RedisKey key) => key.ToString();

    /// <summary>True while a worker pool of <paramref name="queue"/> holds its reaper lease (renewed while it lives).</summary>
    public static Task<bool> WorkersAliveAsync(IDatabase db, JobQueueKeys queue) => db.KeyExistsAsync(queue.Reaper);

    /// <summary>Moves every planned key (see the class remarks for how a key the new queue already has is merged).</summary>
    public static async Task MoveAsync(IDatabase db, JobQueueKeys to, IReadOnlyList<QueueKeyMove> moves)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(moves);
        // Job ids the new queue already holds keep the new queue's entries everywhere: read before anything moves.
        var known = (await db.HashKeysAsync(to.Jobs).ConfigureAwait(false)).Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        var counts = S(to.Counts);
        // A Redis Cluster renames a key only within its slot (an untagged queue's keys, or a move to another tag, change
        // slot): those keys are copied entry by entry below instead.
        var clustered = Redis.ClusterSlots.IsCluster(db.Multiplexer);
        foreach (var move in moves)
        {
            var renamable = !clustered || Redis.ClusterSlots.Of(move.From) == Redis.ClusterSlots.Of(move.To);
            if (known.Count == 0 && renamable && await db.KeyRenameAsync(move.From, move.To, When.NotExists).ConfigureAwait(false))
                continue;
            switch (move.Type)
            {
                case RedisType.List:
                    // Ahead of what the new list holds, in their order (jobs are taken from the head).
                    var items = (await db.ListRangeAsync(move.From).ConfigureAwait(false)).Where(i => !known.Contains(i.ToString())).ToArray();
                    if (items.Length > 0)
                        await db.ListLeftPushAsync(move.To, items.Reverse().ToArray()).ConfigureAwait(false);
                    break;
                case RedisType.Hash:
                    foreach (var entry in await db.HashGetAllAsync(move.From).ConfigureAwait(false))
                    {
                        if (move.To == counts && entry.Value.TryParse(out long count))
                            await db.HashIncrementAsync(move.To, entry.Name, count).ConfigureAwait(false);
                        else if (!known.Contains(entry.Name.ToString()))
                            await db.HashSetAsync(move.To, entry.Name, entry.Value, When.NotExists).ConfigureAwait(false);
                    }
                    break;
                case RedisType.SortedSet:
                    foreach (var entry in await db.SortedSetRangeByRankWithScoresAsync(move.From).ConfigureAwait(false))
                    {
                        if (!known.Contains(entry.Element.ToString()))
                            await db.SortedSetAddAsync(move.To, entry.Element, entry.Score, SortedSetWhen.NotExists).ConfigureAwait(false);
                    }
                    break;
                default:
                    throw new InvalidOperationException($"queue key {move.From} is a {move.Type}, which no queue key is");
            }
            await db.KeyDeleteAsync(move.From).ConfigureAwait(false);
        }
    }
}
