using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using FsCheck.Xunit;

namespace ContactCenter.Tests.Topology.Aggregation;

/// <summary>
/// The merge rule against a simple model written without the merger: whatever the order, interleaving or
/// duplication of the three event streams, the aggregate equals "newest version per part wins".
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

    /// <summary>
    /// What the aggregate must be, written from the rule and not from the merger: per part the event with the highest
    /// version wins (events of one version are identical, see <see cref="Make"/>); a part whose newest event is a
    /// DELETED keeps its version and no fields; parts in name order; null fields absent. Rendered like <see cref="Render"/>.
    /// </summary>
    private static Dictionary<int, string> Model(IEnumerable<Ev> events) => events
        .GroupBy(e => e.Agent)
        .ToDictionary(agent => agent.Key, agent =>
        {
            var newest = agent.GroupBy(e => e.Part)
                .Select(part => part.MaxBy(e => e.Version)!)
                .OrderBy(e => Parts[e.Part], StringComparer.Ordinal)
                .ToList();
            var agentPart = newest.FirstOrDefault(e => e.Part == 0);
            var parts = newest.Select(e => $"{Parts[e.Part]}@{e.Version}{(e.Op == EventOp.Deleted ? "D" : "")}");
            var fields = newest.Where(e => e.Op != EventOp.Deleted).SelectMany(ExpectedFields);
            return $"deleted={agentPart is { Op: EventOp.Deleted }} " + string.Join(";", parts) + " | " + string.Join(",", fields);
        });

    /// <summary>The fields of <see cref="Body"/>, under <see cref="TestSpecs"/>' names, as the aggregate keeps them.</summary>
    private static IEnumerable<string> ExpectedFields(Ev e)
    {
        var v = e.Version;
        switch (e.Part)
        {
            case 0:
                return [$"name=name-{v}", "tenant=acme", "status=logged-in", $"presence=presence-{v}"];
            case 1:
                return [$"recording={(v % 2 == 0 ? "true" : "false")}", $"skills=[\"skill-{v}\"]", "channels=[\"voice\"]"];
            default:
                return v % 3 == 0
                    ? [$"extension={1000 + v}", $"callState=state-{v}"]
                    : [$"extension={1000 + v}", $"callState=state-{v}", $"currentCallId=call-{v}"];
        }
    }

    [Property(MaxTest = 1000)]
    public bool Any_order_with_duplicates_equals_newest_version_per_part(int[] raw, int seed)
    {
        var events = raw.Select(Make).ToList();
        // Duplicate a prefix (redelivery) and shuffle everything (cross-topic interleaving).
        events.AddRange(events.Take(events.Count / 3));
        var shuffled = events.ToArray();
        new Random(seed).Shuffle(shuffled);

        var actual = Run(shuffled).ToDictionary(kv => kv.Key, kv => Render(kv.Value));
        var model = Model(events);
        return actual.Count == model.Count && actual.All(kv => model.TryGetValue(kv.Key, out var expected) && kv.Value == expected);
    }

    [Fact]
    public void The_model_renders_like_the_aggregate()
    {
        // One hand-checked case, so a model and a merger that drift apart in the same way cannot both pass.
        Ev[] events = [new(0, 0, 3, EventOp.Updated), new(0, 2, 3, EventOp.Updated), new(0, 1, 2, EventOp.Deleted), new(0, 0, 1, EventOp.Created)];
        const string expected = "deleted=False agent@3;feature@2D;voice@3 | name=name-3,tenant=acme,status=logged-in,presence=presence-3,extension=1003,callState=state-3";
        Assert.Equal(expected, Model(events)[0]);
        Assert.Equal(expected, Render(Run(events)[0]));
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
