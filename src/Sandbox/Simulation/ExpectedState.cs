using System.Text;
using Confluent.Kafka;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Aggregation;
using ContactCenter.Topology.Events;
using ContactCenter.Topology.Spec;
using StackExchange.Redis;

namespace ContactCenter.Sandbox.Simulation;

/// <summary>
/// The Redis hash each simulated agent must end with: the newest event of each source, pushed through the
/// topology's field mappings. Null means the agent must be absent (deleted).
/// </summary>
internal static class ExpectedState
{
    public static Dictionary<string, string>? For(AgentModel agent, PipelineSpec spec)
    {
        var aggregate = new UserAggregate(agent.Id);
        foreach (var latest in agent.Latest())
        {
            var source = spec.Aggregate.Sources.First(s => s.Name == latest.Source);
            var bytes = EventSerde.Serialize(latest.Event);
            if (!SourceEventDecoder.TryDecode(bytes, source, spec.Aggregate.Limits, out var decoded, out var error))
                throw new InvalidOperationException($"generator produced an event the topology rejects: {error}");
            AggregateMerger.Apply(aggregate, source.Part, latest.Op, decoded);
        }
        var primary = spec.Aggregate.Sources.FirstOrDefault(s => s.Primary)?.Part ?? spec.Aggregate.Sources[0].Part;
        if (aggregate.Parts.Count == 0 || aggregate.IsDeleted(primary))
            return null;
        // Filters and maps are pure, so the chain gives the final hash; a dedup step depends on what other pods
        // claimed, which the demo cannot predict.
        var chain = new RecordProcessorChain(spec.State.Processors, new UnpredictableDedup());
        var task = StateStep.ToHashFieldsAsync(spec.State, chain, agent.Id, aggregate);
        var fields = task.IsCompletedSuccessfully ? task.Result : throw new InvalidOperationException("the demo cannot predict asynchronous processors");
        return fields?.ToDictionary(f => f.Key, f => f.Value);
    }

    /// <summary>The Kafka record the simulation's event travels in: keyed by agent, op in <paramref name="opHeader"/>.</summary>
    public static Message<byte[]?, byte[]?> ToMessage(GeneratedEvent ev, string opHeader) => new()
    {
        Key = Encoding.UTF8.GetBytes(ev.Event.AgentId),
        Value = EventSerde.Serialize(ev.Event),
        Headers = new Headers { { opHeader, EventHeaders.Encode(ev.Op) } },
    };

    /// <summary>Reads every expected agent's hash from Redis: how many differ, and up to five of them with how.</summary>
    public static async Task<(int Mismatches, List<string> Samples)> CompareAsync(PipelineSpec spec, IReadOnlyDictionary<string, Dictionary<string, string>?> expected, IConnectionMultiplexer redis)
    {
        var db = redis.GetDatabase();
        var reads = expected.Keys.ToDictionary(id => id, id => RedisStateReader.ReadHashAsync(db, spec.State.KeyPattern.Replace("{key}", id, StringComparison.Ordinal)));
        await Task.WhenAll(reads.Values);
        var mismatches = 0;
        var samples = new List<string>();
        foreach (var (id, want) in expected)
        {
            var have = await reads[id];
            var diff = Diff(want, have);
            if (diff is null) continue;
            mismatches++;
            if (samples.Count < 5) samples.Add($"{id}: {diff}");
        }
        return (mismatches, samples);
    }

    /// <summary>How <paramref name="have"/> differs from <paramref name="want"/> (null: the same; null hash: no agent).</summary>
    public static string? Diff(Dictionary<string, string>? want, Dictionary<string, string>? have)
    {
        if (want is null) return have is null ? null : "expected no hash (deleted), found one";
        if (have is null) return "expected a hash, found none";
        foreach (var (field, value) in want)
        {
            if (!have.TryGetValue(field, out var actual)) return $"field '{field}' missing (want '{value}')";
            if (actual != value) return $"field '{field}' is '{actual}', want '{value}'";
        }
        foreach (var field in have.Keys)
        {
            if (!want.ContainsKey(field)) return $"unexpected field '{field}'";
        }
        return null;
    }
}

/// <summary>Refuses to guess: a demo topology with a dedup step has no single expected state.</summary>
internal sealed class UnpredictableDedup : IDedupStore
{
    public ValueTask<bool> TryClaimAsync(string id, string? record, TimeSpan ttl) =>
        throw new InvalidOperationException("the demo cannot predict a dedup step's outcome: run it on a topology without dedup");
}
