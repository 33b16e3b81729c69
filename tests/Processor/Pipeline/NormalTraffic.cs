using System.Text;
using Confluent.Kafka;
using ContactCenter.Topology.Events;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary>A well-formed source record of a normal agent.</summary>
internal sealed record NormalRecord(int Source, Message<byte[]?, byte[]?> Message);

/// <summary>
/// Normal agents' traffic and the hash each must end with, from a model independent of the engine: per part the
/// event with the highest version wins, whatever the order they were sent in; fields land under the names
/// <see cref="Support.TestSpecs"/> maps them to.
/// </summary>
internal sealed class NormalTraffic
{
    private NormalTraffic(List<string> agents, List<NormalRecord> records, Dictionary<string, Dictionary<string, string>> expected)
    {
        AgentIds = agents;
        Records = records;
        Expected = expected;
    }

    public IReadOnlyList<string> AgentIds { get; }

    public IReadOnlyList<NormalRecord> Records { get; }

    public IReadOnlyDictionary<string, Dictionary<string, string>> Expected { get; }

    public static NormalTraffic For(string ns, int agents, int seed)
    {
        var random = new Random(seed);
        var ids = new List<string>(agents);
        var records = new List<NormalRecord>();
        var expected = new Dictionary<string, Dictionary<string, string>>();
        for (var a = 0; a < agents; a++)
        {
            var id = $"{ns}n{a}";
            ids.Add(id);
            var agentVersions = Shuffled(random, 1 + random.Next(3));
            var voiceVersions = Shuffled(random, random.Next(3));
            foreach (var v in agentVersions)
                records.Add(new NormalRecord(0, Message(id, $"{{\"agentId\":\"{id}\",\"version\":{v},\"ts\":{1000 + v},\"name\":\"{id}-v{v}\",\"tenantId\":\"t{a % 3}\",\"status\":\"s{v}\",\"presence\":\"p{v}\"}}")));
            foreach (var v in voiceVersions)
                records.Add(new NormalRecord(2, Message(id, $"{{\"agentId\":\"{id}\",\"version\":{v},\"ts\":{2000 + v},\"extension\":\"x{v}\",\"callState\":\"c{v}\",\"currentCallId\":null}}")));

            var top = agentVersions.Max();
            var hash = new Dictionary<string, string> { ["name"] = $"{id}-v{top}", ["tenant"] = $"t{a % 3}", ["status"] = $"s{top}", ["presence"] = $"p{top}" };
            if (voiceVersions.Count > 0)
            {
                var voice = voiceVersions.Max();
                hash["extension"] = $"x{voice}";
                hash["callState"] = $"c{voice}";
            }
            expected[id] = hash;
        }
        // Agents' records interleave; each agent's own records keep their (shuffled) order.
        var order = records.Select((r, i) => (r, key: random.Next())).OrderBy(x => x.key).Select(x => x.r).ToList();
        var perAgent = records.GroupBy(r => Encoding.UTF8.GetString(r.Message.Key!)).ToDictionary(g => g.Key, g => new Queue<NormalRecord>(g));
        var merged = order.Select(r => perAgent[Encoding.UTF8.GetString(r.Message.Key!)].Dequeue()).ToList();
        return new NormalTraffic(ids, merged, expected);
    }

    private static List<int> Shuffled(Random random, int count) =>
        Enumerable.Range(1, count).OrderBy(_ => random.Next()).ToList();

    private static Message<byte[]?, byte[]?> Message(string id, string json) => new()
    {
        Key = Encoding.UTF8.GetBytes(id),
        Value = Encoding.UTF8.GetBytes(json),
        Headers = new Headers { { EventHeaders.Op, EventHeaders.Encode(EventOp.Updated) } },
    };
}
