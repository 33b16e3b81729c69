using System.Text;
using Confluent.Kafka;
using ContactCenter.Topology.Events;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>Where a hand-made record goes and what the test knows of it by construction.</summary>
/// <param name="ToDerived">Produced to the derived (aggregate) topic, for the state stage, instead of a source.</param>
/// <param name="MustDeadLetter">By construction it breaks a documented rule, so it must end in the dead-letter topic.</param>
/// <param name="RedisStringKey">A Redis key the test first fills with a string (the record's hash key), or null.</param>
internal sealed record HostileRecord(string Kind, int Source, bool ToDerived, Message<byte[]?, byte[]?> Message, bool MustDeadLetter, string? RedisStringKey = null);

/// <summary>
/// Turns FsCheck's draws into bad records of every kind the engine must survive: random bytes, invalid UTF-8 anywhere,
/// wrong JSON types, missing and duplicate fields, sizes from 0 to 1.1 MB, hostile keys and headers, versions past
/// the limit, and records for the state stage that are not aggregates or whose Redis key holds a foreign value.
/// Records that break a rule on purpose may use a normal agent's key: they must not change that agent.
/// </summary>
internal static class HostileRecords
{
    private const int Kinds = 14;

    /// <summary>Sizes the batch's one large record cycles through (bytes): empty, tiny, just past the default record
    /// limit, just past the producers' 1,000,000-byte limit, 1 MiB of valid JSON, 1.1 MB.</summary>
    private static readonly int[] LargeSizes = [0, 1, 262_145, 1_000_001, 1_048_576, 1_100_000];

    public static List<HostileRecord> From(int[] draws, byte[] noise, string ns, IReadOnlyList<string> normalAgents, string stringKeyPrefix)
    {
        var records = new List<HostileRecord>(draws.Length + 1);
        var first = draws.Length == 0 ? 0 : draws[0] & int.MaxValue;
        records.Add(Large(LargeSizes[first % LargeSizes.Length], first / LargeSizes.Length % 2 == 0, ns));
        for (var i = 0; i < draws.Length; i++)
        {
            var d = draws[i] & int.MaxValue;
            var own = $"{ns}h{i}";
            var victim = normalAgents.Count == 0 ? own : normalAgents[d / Kinds % normalAgents.Count];
            var key = d / (Kinds * 7) % 2 == 0 ? own : victim;
            records.Add(Make(d % Kinds, d, key, own, Slice(noise, d), stringKeyPrefix));
        }
        return records;
    }

    private static HostileRecord Make(int kind, int d, string key, string own, byte[] noise, string stringKeyPrefix)
    {
        var source = d % 3;
        switch (kind)
        {
            case 0: // random bytes that cannot start a JSON object
                return new("random bytes", source, false, Msg(key, [(byte)'~', .. noise], Op("UPDATED")), true);
            case 1: // invalid UTF-8 in a mapped string field, a property name or the key field
                var at = d / 14 % 3;
                var bad = at switch
                {
                    0 => Concat(Json($"{{\"agentId\":\"{key}\",\"version\":1,\"ts\":1,\"name\":\"a"), [0xFF, 0xFE], "\"}"u8.ToArray()),
                    1 => Concat("{\"version\":1,\"na"u8.ToArray(), [0xC3, 0x28], "me\":\"x\"}"u8.ToArray()),
                    _ => Concat("{\"version\":1,\"agentId\":\""u8.ToArray(), [0xED, 0xA0, 0x80], "\"}"u8.ToArray()),
                };
                return new("invalid UTF-8", source, false, Msg(key, bad, Op("CREATED")), true);
            case 2: // wrong JSON types for the version, time or key fields
                string[] wrong = ["\"version\":\"7\"", "\"version\":1.5", "\"version\":-3", "\"version\":{\"a\":1}", "\"version\":1,\"ts\":-1", "\"version\":1,\"ts\":\"now\"", "\"version\":1,\"agentId\":42"];
                return new("wrong JSON type", source, false, Msg(key, Json($"{{{wrong[d / 14 % wrong.Length]}}}"), Op("UPDATED")), true);
            case 3: // missing and duplicate fields
                string[] fields = ["\"name\":\"no version\"", "\"version\":1,\"version\":2", "\"version\":1,\"ts\":1,\"ts\":2", "\"version\":1,\"name\":\"a\",\"name\":\"b\""];
                var fieldSet = fields[d / 14 % fields.Length];
                // A duplicated mapped field only counts on the agent source, which maps 'name'.
                return new("missing or duplicate field", fieldSet.Contains("\"name\":\"a\"") ? 0 : source, false, Msg(key, Json($"{{{fieldSet}}}"), Op("UPDATED")), true);
            case 4: // a field past limits.max-field-bytes
                return new("huge field", 0, false, Msg(key, Json($"{{\"version\":1,\"name\":\"{new string('f', 16 * 1024 + 1)}\"}}"), Op("UPDATED")), true);
            case 5: // keys no Redis key may be built from
                byte[]?[] keys = [null, [], Encoding.UTF8.GetBytes(key + ":tomb"), "a{b}"u8.ToArray(), "a*"u8.ToArray(), "a\nb"u8.ToArray(),
                    Encoding.ASCII.GetBytes(new string('k', 129)), [0xC3, 0x28], "a b"u8.ToArray(), "cc:offsets:x"u8.ToArray()];
                var hostileKey = keys[d / 14 % keys.Length];
                return new("hostile key", source, false, new Message<byte[]?, byte[]?> { Key = hostileKey, Value = Json("{\"version\":1}"), Headers = Op("CREATED") }, true);
            case 6: // op header missing, garbage or huge, or headers past the record limit
                var bulky = Op("CREATED"); // a valid record whose headers alone are past the record limit
                bulky.Add("x-bulk", new byte[300_000]);
                Headers[] heads = [[], Op(Encoding.Latin1.GetString(noise)), new Headers { { EventHeaders.Op, new byte[100_000] } }, Op("created"), bulky];
                return new("hostile op header", source, false, Msg(key, Json("{\"version\":1}"), heads[d / 14 % heads.Length]), true);
            case 7: // a version that would freeze the part forever
                return new("version past the limit", source, false, Msg(key, Json($"{{\"version\":{long.MaxValue}}}"), Op("UPDATED")), true);
            case 8: // the value's key field names another agent
                return new("key mismatch", 0, false, Msg(key, Json($"{{\"agentId\":\"{key}-other\",\"version\":1}}"), Op("UPDATED")), true);
            case 9: // strange but valid: nested values, unicode, escapes, many headers; its own agent only
                var headers = Op("CREATED");
                for (var h = 0; h < 50; h++) headers.Add($"x-{h}", noise);
                var weird = $"{{\"version\":{d % 5},\"ts\":{d},\"name\":\"\\u00e9\\n\\\"{own}\",\"tenantId\":{{\"nested\":[1,2,{{\"x\":null}}]}},\"extra\":[{d}]}}";
                return new("strange but valid", 0, false, Msg(own, Json(weird), headers), false);
            case 10: // not an aggregate, on the derived topic
                return new("derived: random bytes", 0, true, Msg(own, [(byte)'~', .. noise], []), true);
            case 11: // an aggregate whose record key cannot be a Redis key
                return new("derived: hostile key", 0, true, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(own + ":tomb"), Value = Aggregate(own + ":tomb") }, true);
            case 12: // an aggregate of another agent
                return new("derived: key mismatch", 0, true, Msg(own, Aggregate(own + "x"), []), true);
            default: // an aggregate whose Redis key holds a foreign string: Redis refuses the write (WRONGTYPE)
                return new("derived: key holds a string", 0, true, Msg(own, Aggregate(own), []), true, stringKeyPrefix + own);
        }
    }

    private static HostileRecord Large(int size, bool json, string ns)
    {
        var key = $"{ns}large";
        byte[] value;
        if (!json || size < 32)
        {
            value = new byte[size];
            Array.Fill(value, (byte)'z');
        }
        else
        {
            var head = Encoding.UTF8.GetBytes("{\"version\":1,\"name\":\"");
            value = new byte[size];
            head.CopyTo(value, 0);
            Array.Fill(value, (byte)'n', head.Length, size - head.Length - 2);
            value[^2] = (byte)'"';
            value[^1] = (byte)'}';
        }
        return new($"{size} bytes of {(json ? "JSON" : "text")}", 0, false, Msg(key, value, Op("CREATED")), true);
    }

    private static byte[] Aggregate(string key) =>
        Json($"{{\"key\":\"{key.Replace("\\", "\\\\").Replace("\"", "\\\"")}\",\"ts\":5,\"parts\":{{\"agent\":{{\"v\":1,\"ts\":5,\"d\":false,\"f\":{{\"name\":\"n\"}}}}}}}}");

    private static Message<byte[]?, byte[]?> Msg(string key, byte[] value, Headers headers) =>
        new() { Key = Encoding.UTF8.GetBytes(key), Value = value, Headers = headers };

    private static Headers Op(string op) => new() { { EventHeaders.Op, Encoding.Latin1.GetBytes(op) } };

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Slice(byte[] noise, int d) => noise.Length == 0 ? [] : noise[(d % noise.Length)..];
}
