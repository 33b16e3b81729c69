using ContactCenter.Topology.Aggregation;
using FsCheck.Xunit;

namespace ContactCenter.Tests.Topology.Aggregation;

/// <summary>
/// The codec's decoder reuses the strings it made before on the same thread (a direct-mapped cache). Whatever names
/// and values come, plain, escaped, non-ASCII or colliding in the cache, a decoded aggregate must carry exactly
/// the names and values that were encoded.
/// </summary>
[Trait("Kind", "Property")]
public class AggregateCodecProperties
{
    // Names an aggregate can carry: common ones, ones JSON must escape, non-ASCII, and prefixes of one another.
    private static readonly string[] Pool = ["name", "status", "skill", "n", "na", "nam", "a\"b", "line\nbreak", "\u00e9tat", "\u6b8b", "x\\y", ""];

    private static string NameOf(int raw) => (raw & 0x7) switch
    {
        // Often a fresh name, so slots are replaced and collide.
        0 or 1 => $"f{raw & 0x7fffffff}",
        _ => Pool[(raw >> 3 & 0x7fffffff) % Pool.Length],
    };

    [Property(MaxTest = 300)]
    public bool Decode_returns_exactly_the_names_and_values_encoded(int[] fieldSeeds, int[] partSeeds, long timestamp)
    {
        var aggregate = new UserAggregate("agent-7") { Timestamp = Math.Abs(timestamp % 1_000_000_000_000) };
        var expected = new List<(string Part, List<KeyValuePair<string, string>> Fields)>();
        foreach (var (seed, i) in partSeeds.Take(4).Select((s, i) => (s, i)))
        {
            var partName = i + ":" + NameOf(seed);
            if (aggregate.Find(partName) is not null) continue;
            var part = aggregate.GetOrAdd(partName);
            part.Version = i + 1;
            var fields = new List<KeyValuePair<string, string>>();
            var seen = new HashSet<string>();
            foreach (var f in fieldSeeds.Skip(i * 3).Take(6))
            {
                var name = NameOf(f);
                if (!seen.Add(name)) continue;
                var field = new KeyValuePair<string, string>(name, NameOf(f >> 4) + f);
                part.Fields.Add(field);
                fields.Add(field);
            }
            expected.Add((partName, fields));
        }

        var decoded = AggregateCodec.Decode(AggregateCodec.Encode(aggregate));
        if (decoded.Key != aggregate.Key || decoded.Timestamp != aggregate.Timestamp || decoded.Parts.Count != expected.Count) return false;
        foreach (var (partName, fields) in expected)
        {
            if (decoded.Find(partName) is not { } part || !part.Fields.SequenceEqual(fields)) return false;
        }
        return true;
    }
}
