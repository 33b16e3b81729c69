using System.Globalization;
using StackExchange.Redis;

namespace ContactCenter.Stores.Redis;

/// <summary>
/// The single Lua script every agent-state write goes through, and how its arguments are laid out.
/// </summary>
/// <remarks>
/// KEYS: [1] agent hash, [2] tombstone key (<c>{hash}:tomb</c>), [3] stage progress key for the partition.
/// ARGV: [1] partition, [2] offset, [3] source timestamp ms, [4] tombstone TTL ms, [5] 'u' (upsert) or 'd' (delete),
/// or 'U' / 'D' for a replay's upsert / delete, [6] the writer's progress floor for the partition ('' when it has
/// none), [7..] field, value, field, value, ...
/// Returns 1 when the write was applied, 0 when it was stale (or, for a replay, changed nothing), plus
/// <see cref="Regressed"/> when the stage's recorded progress for the partition was missing or below the floor: Redis
/// lost writes this writer had seen acknowledged.
///
/// A replay's write (<see cref="AgentStateWrite.Replay"/>) differs in three ways: the same partition and offset as
/// the hash's fence counts as newer (it is the record that wrote the hash, processed again, perhaps by a corrected
/// topology), an upsert that would leave exactly the same hash returns 0, and the progress key is never moved.
///
/// Numbers travel as canonical decimal strings and are compared as strings (longer = larger, then lexicographic):
/// Redis runs Lua 5.1 (doubles only) and Garnet Lua 5.4, so converting an int64 offset with tonumber could round
/// on one and not the other. Every key the script touches is declared in KEYS: Garnet (run with
/// --lua-transaction-mode) locks exactly those keys, which is what makes the script atomic there.
/// </remarks>
internal static class FenceScript
{
    /// <summary>Hash field holding the partition of the write that produced the hash.</summary>
    public const string PartitionField = "_p";
    /// <summary>Hash field holding the offset of the write that produced the hash.</summary>
    public const string OffsetField = "_o";
    /// <summary>Hash field holding the source timestamp of the write that produced the hash.</summary>
    public const string TimestampField = "_t";
    /// <summary>Suffix of the key that keeps a deleted agent's fence.</summary>
    public const string TombstoneSuffix = ":tomb";

    public const long Applied = 1;

    /// <summary>Bit set in the result when the partition's recorded progress was below the writer's floor.</summary>
    public const long Regressed = 2;

    /// <remarks>
    /// Every read comes before the first write. A command that fails inside a Lua script (WRONGTYPE on a key that is
    /// not a hash or a string) stops the script but keeps what it already wrote, on Redis and Garnet alike; with the
    /// reads first, a write that fails changes nothing, the stage's progress included.
    /// </remarks>
    public const string Source = """
        local function gt(a, b)
          if #a ~= #b then return #a > #b end
          return a > b
        end
        local p, o, t = ARGV[1], ARGV[2], ARGV[3]
        local function newer(sp, so, st)
          if sp == p then return gt(o, so) end
          return not gt(st or '0', t)
        end

        local mode = ARGV[5]
        local replay = mode == 'U' or mode == 'D'
        local function same(sp, so) return replay and sp == p and so == o end

        local done = redis.call('GET', KEYS[3])
        local fence = redis.call('HMGET', KEYS[1], '_p', '_o', '_t')
        local tomb = redis.call('GET', KEYS[2])

        local floor = ARGV[6]
        local regressed = 0
        if floor ~= '' and ((not done) or gt(floor, done)) then regressed = 2 end

        local apply = true
        local equal = false
        if fence[1] and fence[2] then
          equal = same(fence[1], fence[2])
          apply = equal or newer(fence[1], fence[2], fence[3] or nil)
        elseif tomb then
          local sp, so, st = string.match(tomb, '^(%d+):(%d+):(%d+)$')
          if sp then
            equal = same(sp, so)
            apply = equal or newer(sp, so, st)
          end
        end
        if equal and mode == 'D' then apply = false end
        if apply and equal and mode == 'U' and fence[1] then
          -- The record that wrote this hash, again: a write only when the fields differ.
          local current = redis.call('HGETALL', KEYS[1])
          if #current == #ARGV - 6 + 6 then
            local held = {}
            for i = 1, #current, 2 do held[current[i]] = current[i + 1] end
            local differs = held['_t'] ~= t
            for i = 7, #ARGV, 2 do
              if held[ARGV[i]] ~= ARGV[i + 1] then differs = true end
            end
            if not differs then apply = false end
          end
        end

        if (not replay) and ((not done) or gt(o, done)) then redis.call('SET', KEYS[3], o) end
        if not apply then return regressed end

        redis.call('DEL', KEYS[1])
        if mode == 'd' or mode == 'D' then
          redis.call('SET', KEYS[2], p .. ':' .. o .. ':' .. t, 'PX', ARGV[4])
        else
          redis.call('DEL', KEYS[2])
          local args = { '_p', p, '_o', o, '_t', t }
          for i = 7, #ARGV do args[#args + 1] = ARGV[i] end
          redis.call('HSET', KEYS[1], unpack(args))
        end
        return 1 + regressed
        """;

    public static bool IsFenceField(string field) =>
        field is PartitionField or OffsetField or TimestampField;

    public static RedisKey TombstoneKey(string key) => key + TombstoneSuffix;

    public static RedisKey OffsetsKey(string prefix, string stage, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}:{stage}:{partition}");

    /// <param name="floor">Highest offset of the partition this writer saw acknowledged, or null.</param>
    public static RedisValue[] Arguments(AgentStateWrite write, long tombstoneTtlMs, long? floor = null)
    {
        var fields = write.Fields;
        var args = new RedisValue[6 + (fields?.Length ?? 0) * 2];
        args[0] = write.Partition;
        args[1] = write.Offset;
        args[2] = write.SourceTimestampMs;
        args[3] = tombstoneTtlMs;
        args[4] = (fields is null, write.Replay) switch
        {
            (true, false) => "d",
            (false, false) => "u",
            (true, true) => "D",
            (false, true) => "U",
        };
        args[5] = floor is { } f ? f : RedisValue.EmptyString;
        if (fields is not null)
        {
            for (var i = 0; i < fields.Length; i++)
            {
                args[6 + 2 * i] = fields[i].Key;
                args[7 + 2 * i] = fields[i].Value;
            }
        }
        return args;
    }
}
