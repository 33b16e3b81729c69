using ContactCenter.Tests.Support;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using FsCheck.Xunit;

namespace ContactCenter.Tests.Aggregation;

/// <summary>
/// The merge rule against a simple model: whatever the order, interleaving or duplication of the three
/// event streams, the aggregate equals "newest version per part wins".
/// </summary>
[Trait("Kind", "Property")]
public class MergeProperties
{
    private static readonly string[] Parts = ["agent", "feature", "voice"];

    private sealed record Ev(int Agent, int Part, long Version, EventOp Op);

    // Content is a function of (agent, part, version): two events with the same version are true duplicates.
    private static Ev Make(int raw)
    {
        var agent = (raw & 0x3) % 3;
        var part = ((raw >> 2) & 0x3) % 3;
        var version = ((raw >> 4) & 0xF) + 1;
        var op = ((agent + part + version) % 5) switch { 0 => EventOp.Deleted, 1 => EventOp.Created, _ => EventOp.Updated };
        return new Ev(agent, part, version, op);
    }

    private static byte[] Body(Ev e) => EventSerde.Serialize(e.Part switch
    {
        0 => new AgentEvent($"a{e.Agent}", e.Version, e.Version * 10, $"name-{e.Version}", "acme", "logged-in", $"presence-{e.Version}"),
        1 => new UserFeatureEvent($"a{e.Agent}", e.Version, e.Version * 10, e.Version % 2 == 0, [$"skill-{e.Version}"], ["voice"]),
        _ => new VoiceAgentEvent($"a{e.Agent}", e.Version, e.Version * 10, $"{1000 + e.Version}", $"state-{e.Version}", e.Version % 3 == 0 ? null : $"call-{e.Version}"),
    });

    private static IReadOnlyList<FieldMapping> Mapping(int part) => part switch
    {
        0 => TestSpecs.AgentFields,
        1 => TestSpecs.FeatureFields,
        _ => TestSpecs.VoiceFields,
    };

    private static Dictionary<int, UserAggregate> Run(IEnumerable<Ev> events)
    {
        // Like the store: every step goes through the codec, so encoding is part of what is checked.
        var store = new Dictionary<int, byte[]>();
        foreach (var e in events)
        {
            var aggregate = store.TryGetValue(e.Agent, out var bytes) ? AggregateCodec.Decode(bytes) : new UserAggregate($"a{e.Agent}");
            Assert.True(SourceEventDecoder.TryDecode(Body(e), TestSpecs.Source(Mapping(e.Part)), ContactCenter.Topology.Spec.RecordLimits.Default, out var decoded, out var error), error);
            if (AggregateMerger.Apply(aggregate, Parts[e.Part], e.Op, decoded) == MergeOutcome.Applied)
                store[e.Agent] = AggregateCodec.Encode(aggregate);
        }
        return store.ToDictionary(kv => kv.Key, kv => AggregateCodec.Decode(kv.Value));
    }

    private static string Render(UserAggregate a) =>
        $"deleted={a.IsDeleted("agent")} " + string.Join(";", a.Parts.Select(p => $"{p.Name}@{p.Version}{(p.Deleted ? "D" : "")}")) +
        " | " + string.Join(",", a.LiveFields().Select(f => $"{f.Key}={f.Value}"));

    [Property(MaxTest = 1000)]
    public bool Any_order_with_duplicates_equals_newest_version_per_part(int[] raw, int seed)
    {
        var events = raw.Select(Make).ToList();
        // Duplicate a prefix (redelivery) and shuffle everything (cross-topic interleaving).
        events.AddRange(events.Take(events.Count / 3));
        var shuffled = events.ToArray();
        new Random(seed).Shuffle(shuffled);

        var actual = Run(shuffled);
        var model = Run(events
            .GroupBy(e => (e.Agent, e.Part))
            .Select(g => g.OrderByDescending(e => e.Version).First())
            .OrderBy(e => e.Part));

        return actual.Count == model.Count
            && actual.All(kv => model.ContainsKey(kv.Key) && Render(kv.Value) == Render(model[kv.Key]));
    }

    [Property(MaxTest = 300)]
    public bool An_older_event_never_changes_the_aggregate(int[] raw)
    {
        var events = raw.Select(Make).ToList();
        var before = Run(events);
        foreach (var e in events)
        {
            var older = e with { Version = e.Version - 1 };
            if (older.Version < 1) continue;
            var after = Run(events.Append(older));
            if (!after.Keys.SequenceEqual(before.Keys) || after.Any(kv => Render(kv.Value) != Render(before[kv.Key])))
                return false;
        }
        return true;
    }
}
