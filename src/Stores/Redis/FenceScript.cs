using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// The single Lua script every agent-state write goes through: one call applies a whole run of writes, each fenced on
/// its own, and moves the stage's progress once per partition, atomically with the data.
/// </summary>
/// <remarks>
/// KEYS: the progress keys of the partitions the call covers (<c>cc:offsets:{stage}:{partition}</c>), then per write its
/// hash and its tombstone key (<c>{hash}:tomb</c>), and for a write that carries a job its queue's job table and ready
/// list (<see cref="Queue.JobQueueKeys"/>).
/// ARGV: [1] tombstone TTL ms, [2] number of progress keys P, then per progress key: partition, the writer's progress
/// floor ('' when it has none); then per write: partition, offset, source timestamp,
/// fence timestamp (the newest source timestamp of the writes coalesced into this one, see <see cref="FenceRule"/>),
/// mode ('u' upsert, 'd' delete, 'U' / 'D' a replay's), per-part versions ('' when none, see
/// <see cref="AgentStateWrite.PartVersions"/>), number of fields, field, value, ..., then 0, or 1 and the job's
/// idempotency key and payload.
/// Returns one entry per write: <see cref="Applied"/> or 0 (stale, or for a replay: changed nothing), plus
/// <see cref="Regressed"/> when the partition's recorded progress was missing or below the floor (Redis lost writes the
/// writer had seen acknowledged), plus <see cref="Enqueued"/> when the write's job was queued by this call; or, for a
/// write Redis refused for itself (WRONGTYPE), the error text.
///
/// A job is queued only with the write that applied, once per idempotency key (HSETNX on the job table), in the same
/// atomic step: a redelivered, replayed or retried record never queues twice, and a crash never loses a job whose write
/// is acknowledged (docs/side-effects.md).
///
/// Per write, every read comes before the first write, and a refused read (pcall) skips just that write: a command that
/// fails inside a script stops it but keeps what it already wrote, on Redis and Garnet alike. An applied upsert touches
/// only what differs: the fields whose value changed, the fields the new state no longer has, the fence fields; a delete
/// removes the hash and keeps its fence in the tombstone. A replay's write (<see cref="AgentStateWrite.Replay"/>) also
/// applies over the state written by the very same record, returns 0 when it would leave the hash exactly as it is, and
/// never moves the progress key.
///
/// Numbers travel as canonical decimal strings and are compared as strings (longer = larger, then lexicographic):
/// Redis runs Lua 5.1 (doubles only) and Garnet Lua 5.4, so converting an int64 offset with tonumber could round on one
/// and not the other. Every key the script touches is declared in KEYS: Garnet (run with --lua-transaction-mode) locks
/// exactly those keys, which is what makes the script atomic there. On a Redis Cluster every key of one call must hash to
/// one slot: the writer then sends one call per slot, with progress keys and tombstones named into that slot
/// (<see cref="ClusterProgress"/>, <see cref="TombstoneKey(string, bool)"/>; docs/pipeline.md, "Redis Cluster").
///
/// The script is assembled from sections (<see cref="Helpers"/>, <see cref="ApplyWrite"/>, <see cref="Driver"/>) so that
/// a further per-write step can be added after a write applied without touching the fence itself.
/// </remarks>
internal static partial class FenceScript
{
    /// <summary>Hash field holding the partition of the write that produced the hash.</summary>
    public const string PartitionField = "_p";
    /// <summary>Hash field holding the offset of the write that produced the hash.</summary>
    public const string OffsetField = "_o";
    /// <summary>Hash field holding the source timestamp of the write that produced the hash.</summary>
    public const string TimestampField = "_t";
    /// <summary>Hash field holding the generation of the write that produced the hash; absent for generation 0 (no
    /// migration ever wrote the key, see <see cref="StageGeneration"/>).</summary>
    public const string GenerationField = "_g";
    /// <summary>Hash field holding the per-part versions of the state (<see cref="AgentStateWrite.PartVersions"/>); absent
    /// when the write carried none.</summary>
    public const string VersionsField = "_v";
    /// <summary>Suffix of the key that keeps a deleted agent's fence.</summary>
    public const string TombstoneSuffix = ":tomb";

    /// <summary>Prefix of the agent-hash fields marking the group an agent is counted in (<see cref="GroupCount.Marker"/>).</summary>
    public const string CountMarkerPrefix = "_c:";

    public const long Applied = 1;

    /// <summary>Bit set in the result when the partition's recorded progress was below the writer's floor.</summary>
    public const long Regressed = 2;

    /// <summary>Bit set in the result when the write's job was queued by this call.</summary>
    public const long Enqueued = 4;

    /// <summary>Number comparison on canonical decimal strings, and the fence itself.</summary>
    private const string Helpers = """
        local function gt(a, b)
          if #a ~= #b then return #a > #b end
          return a > b
        end
        -- Whether per-part versions v ('name=version,...') cover sv: no part of sv is newer (a missing part counts 0).
        local function covers(v, sv)
          local mine = {}
          for name, n in string.gmatch(v, '([^=,]+)=(%d+)') do mine[name] = n end
          for name, n in string.gmatch(sv, '([^=,]+)=(%d+)') do
            if gt(n, mine[name] or '0') then return false end
          end
          return true
        end
        -- Same partition: the higher offset wins. Another partition (offsets do not compare): the later or equal
        -- source timestamp wins; tf is the newest timestamp of the writes coalesced into this one. Another generation
        -- (a migration's other offset space, see Generation): an older one never wins; a newer one wins when its
        -- per-part versions cover the held ones (v, sv; no part goes back), or, where either side has none, like
        -- another partition.
        local function newer(p, o, tf, g, v, sp, so, st, sg, sv)
          if sg ~= g then
            if gt(sg, g) then return false end
            if v ~= '' and sv then return covers(v, sv) end
            return not gt(st or '0', tf)
          end
          if sp == p then return gt(o, so) end
          return not gt(st or '0', tf)
        end
        """;

    /// <summary>
    /// A migration's writes (<see cref="StageGeneration"/>): when the call's last ARGV is 'g', the one before it is the
    /// generation of every write of the call and its last KEY is the generation's cut-over key. Until that key exists
    /// the writes change nothing (the shadow only records its progress); other calls are generation 0, always cut over.
    /// On a Redis Cluster the cut-over key has a slot of its own, which a call for another slot cannot read: there the
    /// last ARGV is 'G' and the two before it are the generation and whether the writer found the key ('1') before the
    /// call. That is as good as reading it inside: the key, once set, stays (a rollback refuses after the cut-over), and a
    /// call that takes it as missing changes no hash, as if it had run just before the cut-over.
    /// </summary>
    private const string Generation = """
        local gen, cut, nargs = '0', true, #ARGV
        if ARGV[nargs] == 'g' then
          gen = ARGV[nargs - 1]
          cut = redis.call('EXISTS', KEYS[#KEYS]) == 1
          nargs = nargs - 2
        elseif ARGV[nargs] == 'G' then
          gen = ARGV[nargs - 2]
          cut = ARGV[nargs - 1] == '1'
          nargs = nargs - 3
        end
        """;

    /// <summary>One write: returns 1 (applied), 0 (stale or unchanged) or the error text of a refused read.</summary>
    private const string ApplyWrite = """
        local function apply(hkey, tkey, p, o, t, tf, mode, v, first, last, ttl)
          if not cut then return 0 end
          local replay = mode == 'U' or mode == 'D'
          -- The fence fields and the write's own fields, by position; HLEN tells whether the hash has others.
          local ask = { '_p', '_o', '_t', '_g', '_v' }
          for i = first, last, 2 do ask[#ask + 1] = ARGV[i] end
          local upFrom = #ask + 1
          for j = 1, #upAsk do ask[upFrom + j - 1] = upAsk[j] end
          local held = redis.pcall('HMGET', hkey, unpack(ask))
          if held.err then return held.err end
          local sp, so, st, sg, sv = held[1], held[2], held[3], held[4], held[5]
          local tomb = false
          if not (sp and so) then
            tomb = redis.pcall('GET', tkey)
            if type(tomb) == 'table' and tomb.err then return tomb.err end
            sp, so, st, sg, sv = nil, nil, nil, nil, nil
            if tomb then
              -- p:o:t, p:o:t:g, or p:o:t:g:v when the write carried per-part versions.
              sp, so, st, sg, sv = string.match(tomb, '^(%d+):(%d+):(%d+):(%d+):(.*)$')
              if not sp then sp, so, st, sg = string.match(tomb, '^(%d+):(%d+):(%d+):(%d+)$') end
              if not sp then sp, so, st = string.match(tomb, '^(%d+):(%d+):(%d+)$') end
            end
          end
          sg = sg or '0'
          if sp and so then
            local same = replay and sp == p and so == o and sg == gen
            if same and mode == 'D' then return 0 end
            if not (same or newer(p, o, tf, gen, v, sp, so, st, sg, sv)) then return 0 end
          end

          local up = upkeepHeld(held, upFrom)
          if mode == 'd' or mode == 'D' then
            if up then upkeepDelete(up) end
            redis.call('DEL', hkey)
            local fence = p .. ':' .. o .. ':' .. t
            if v ~= '' then fence = fence .. ':' .. gen .. ':' .. v
            elseif gen ~= '0' then fence = fence .. ':' .. gen end
            redis.call('SET', tkey, fence, 'PX', ttl)
            return 1
          end
          -- Only what differs: changed fields and fence fields are set, fields the new state lacks are removed.
          local set, n, present = {}, 0, 0
          -- Generation 0 keeps no _g field (an older generation never applies over a newer one's _g), a write without
          -- per-part versions no _v; HMGET's nil is false, and a held field the write lacks is removed below.
          local fence = { p, o, t, gen ~= '0' and gen or false, v ~= '' and v or false }
          for j = 1, 5 do
            if held[j] and fence[j] then present = present + 1 end
            if fence[j] and held[j] ~= fence[j] then set[n + 1] = ask[j]; set[n + 2] = fence[j]; n = n + 2 end
          end
          local j = 6
          for i = first, last, 2 do
            if held[j] then present = present + 1 end
            if held[j] ~= ARGV[i + 1] then set[n + 1] = ARGV[i]; set[n + 2] = ARGV[i + 1]; n = n + 2 end
            j = j + 1
          end
          local extra = redis.call('HLEN', hkey) - present - (up and up.present or 0)
          if extra > 0 then
            local keep = { _p = true, _o = true, _t = true, _g = gen ~= '0', _v = v ~= '' }
            for i = first, last, 2 do keep[ARGV[i]] = true end
            if up then for _, f in ipairs(up.keep) do keep[f] = true end end
            local gone = {}
            for _, f in ipairs(redis.call('HKEYS', hkey)) do
              if not keep[f] then gone[#gone + 1] = f end
            end
            redis.call('HDEL', hkey, unpack(gone))
          end
          local dropped = false
          if up then n, dropped = upkeepWrite(hkey, up, set, n, first, last, t) end
          if n == 0 and extra <= 0 and not dropped then return 0 end
          if n > 0 then redis.call('HSET', hkey, unpack(set)) end
          if tomb then redis.call('DEL', tkey) end
          return 1
        end
        """;

    /// <summary>Reads the progress keys, applies each write, then moves each partition's progress once.</summary>
    private const string Driver = """
        local ttl = ARGV[1]
        local parts = tonumber(ARGV[2])
        local slot, done, regressed, top = {}, {}, {}, {}
        local a = 3
        for i = 1, parts do
          local p, floor = ARGV[a], ARGV[a + 1]
          slot[p] = i
          done[i] = redis.call('GET', KEYS[i])
          if floor ~= '' and ((not done[i]) or gt(floor, done[i])) then regressed[p] = true end
          a = a + 2
        end

        local results = {}
        local k = parts
        while a <= nargs do
          local p, o, t, tf, mode, v = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
          local first = a + 7
          local last = first + 2 * tonumber(ARGV[a + 6]) - 1
          local r = apply(KEYS[k + 1], KEYS[k + 2], p, o, t, tf, mode, v, first, last, ttl)
          local job = ARGV[last + 1] == '1'
          -- The job goes with the write that applied, once per idempotency key.
          if job and r == 1 and redis.call('HSETNX', KEYS[k + 3], ARGV[last + 2], ARGV[last + 3]) == 1 then
            redis.call('RPUSH', KEYS[k + 4], ARGV[last + 2])
            r = r + 4
          end
          -- A refused write (r is its error text) changes nothing, not even the progress; a replay never moves it.
          if type(r) == 'number' and mode ~= 'U' and mode ~= 'D' then
            local i = slot[p]
            if (not top[i]) or gt(o, top[i]) then top[i] = o end
            if regressed[p] then r = r + 2 end
          end
          results[#results + 1] = r
          if job then a = last + 4; k = k + 4 else a = last + 2; k = k + 2 end
        end

        for i = 1, parts do
          if top[i] and ((not done[i]) or gt(top[i], done[i])) then redis.call('SET', KEYS[i], top[i]) end
        end
        return results
        """;

    /// <summary>The whole script.</summary>
    public static readonly string Source = Helpers + "\n" + Generation + "\n" + Upkeep + "\n" + ApplyWrite + "\n" + Driver;

    /// <summary>SHA1 of <see cref="Source"/>: the script is sent once (EVAL) and called by this hash afterwards (EVALSHA).</summary>
    public static readonly byte[] Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Source));

    /// <summary>True for the fields the script keeps for itself: the fence and the count markers (never shown to readers).</summary>
    public static bool IsFenceField(string field) =>
        field is PartitionField or OffsetField or TimestampField or GenerationField or VersionsField || field.StartsWith(CountMarkerPrefix, StringComparison.Ordinal);

    /// <summary>Raises a progress key to ARGV[1] when it is missing or lower; returns 1 when it was missing or lower than
    /// ARGV[2] (the last value this writer set: Redis lost it), else 0.</summary>
    public const string RaiseProgress = """
        local done = redis.call('GET', KEYS[1])
        local function gt(a, b)
          if #a ~= #b then return #a > #b end
          return a > b
        end
        local lost = 0
        if ARGV[2] ~= '' and ((not done) or gt(ARGV[2], done)) then lost = 1 end
        if (not done) or gt(ARGV[1], done) then redis.call('SET', KEYS[1], ARGV[1]) end
        return lost
        """;

    public static RedisKey OffsetsKey(string prefix, string stage, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}:{stage}:{partition}");

    /// <summary>
    /// Keys and arguments of one call applying <paramref name="writes"/> (a slice of the writer's coalesced batch).
    /// </summary>
    /// <param name="progressKey">The progress key of a partition.</param>
    /// <param name="floor">Highest offset of a partition the writer saw acknowledged, or null.</param>
    /// <param name="clustered">Name tombstones into their key's slot (<see cref="TombstoneKey(string, bool)"/>).</param>
    /// <param name="generation">A migration's generation and its cut-over key (<see cref="StageGeneration"/>); null for
    /// generation 0, which adds nothing to the call.</param>
    /// <param name="cutOverSeen">On a Redis Cluster (<paramref name="clustered"/>), whether the writer found the
    /// generation's cut-over key before the call: the call cannot read a key of another slot.</param>
    /// <param name="upkeep">Counts and time in state (<see cref="UpkeepCall"/>); null keeps none.</param>
    public static (RedisKey[] Keys, RedisValue[] Args) Call(ReadOnlySpan<FenceWrite> writes, long tombstoneTtlMs,
        Func<int, RedisKey> progressKey, Func<int, long?> floor, bool clustered = false, StageGeneration? generation = null,
        bool cutOverSeen = false, (UpkeepCall Upkeep, RedisKey[] CountKeys)? upkeep = null)
    {
        var (keys, args) = Call(writes, tombstoneTtlMs, progressKey, floor, clustered);
        if (upkeep is { } u)
            (keys, args) = ([.. keys, .. u.CountKeys], [.. args, .. u.Upkeep.Args]);
        if (generation is not { } g)
            return (keys, args);
        // The Generation section: on one server the cut-over key last in KEYS, the generation and the marker 'g' last in
        // ARGV; on a cluster the generation, what the writer found and the marker 'G'.
        return clustered
            ? (keys, [.. args, g.Number, cutOverSeen ? "1" : "0", "G"])
            : ([.. keys, g.CutOverKey], [.. args, g.Number, "g"]);
    }

    private static (RedisKey[] Keys, RedisValue[] Args) Call(ReadOnlySpan<FenceWrite> writes, long tombstoneTtlMs,
        Func<int, RedisKey> progressKey, Func<int, long?> floor, bool clustered)
    {
        // Partitions whose progress this call moves: a replay never moves it, so it has no floor to hold Redis to either.
        var partitions = new List<int>(2);
        var fieldCount = 0;
        var jobCount = 0;
        foreach (var w in writes)
        {
            fieldCount += w.Write.Fields?.Length ?? 0;
            if (w.Write.Job is not null) jobCount++;
            if (!w.Write.Replay && !partitions.Contains(w.Write.Partition))
                partitions.Add(w.Write.Partition);
        }

        var keys = new RedisKey[partitions.Count + 2 * writes.Length + 2 * jobCount];
        var args = new RedisValue[2 + 2 * partitions.Count + 8 * writes.Length + 2 * fieldCount + 2 * jobCount];
        args[0] = tombstoneTtlMs;
        args[1] = partitions.Count;
        var a = 2;
        for (var i = 0; i < partitions.Count; i++)
        {
            var partition = partitions[i];
            keys[i] = progressKey(partition);
            args[a++] = partition;
            args[a++] = floor(partition) is { } f ? f : RedisValue.EmptyString;
        }
        var k = partitions.Count;
        foreach (var (write, fenceTimestamp) in writes)
        {
            keys[k++] = write.Key;
            keys[k++] = TombstoneKey(write.Key, clustered);
            var fields = write.Fields;
            args[a++] = write.Partition;
            args[a++] = write.Offset;
            args[a++] = write.SourceTimestampMs;
            args[a++] = fenceTimestamp;
            args[a++] = (fields is null, write.Replay) switch
            {
                (true, false) => "d",
                (false, false) => "u",
                (true, true) => "D",
                (false, true) => "U",
            };
            args[a++] = write.PartVersions ?? string.Empty;
            args[a++] = fields?.Length ?? 0;
            if (fields is not null)
            {
                foreach (var (name, value) in fields)
                {
                    args[a++] = name;
                    args[a++] = value;
                }
            }
            if (write.Job is { } job)
            {
                var queue = new Queue.JobQueueKeys(job.Queue);
                keys[k++] = queue.Jobs;
                keys[k++] = queue.Ready;
                args[a++] = 1;
                args[a++] = job.Id;
                args[a++] = job.Payload;
            }
            else
            {
                args[a++] = 0;
            }
        }
        return (keys, args);
    }

    /// <summary>A call's answer for each of its writes: the result bits, or the reason Redis refused the write.</summary>
    public static (long Result, string? Refused) Result(RedisResult answer, int index)
    {
        var entry = answer[index];
        return entry.Resp2Type == ResultType.Integer ? ((long)entry, null) : (-1, (string?)entry ?? "refused");
    }
}

/// <summary>
/// One write as the script applies it: <paramref name="FenceTimestampMs"/> is the newest source timestamp of the writes
/// it stands for (its own when nothing was coalesced into it; see <see cref="FenceRule.Coalesce"/>). The write itself
/// has the highest offset of them, so the partition's progress covers them all.
/// </summary>
internal readonly record struct FenceWrite(AgentStateWrite Write, long FenceTimestampMs)
{
    public FenceWrite(AgentStateWrite write) : this(write, write.SourceTimestampMs) { }
}
