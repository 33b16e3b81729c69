using ContactCenter.Stores.Redis;
using FsCheck.Xunit;
using StackExchange.Redis;
using Xunit;

namespace ContactCenter.Tests.Stores.Redis;

/// <summary>
/// The fence across a migration's two generations against a small model written from the rule, not from the script: one
/// agent's events (three parts, each with rising versions, the primary part sometimes deleted) are merged by two
/// generations in two different orders, each emitting its aggregate after every event that changed it (per part the
/// highest version wins, as the merge stage does); the two write streams reach Redis interleaved at random, with
/// redeliveries of earlier writes, and the new generation is cut over at a random point. After every write a reader
/// reads the hash and its tombstone; it never sees a part at a lower version than a read before it proved, never finds
/// the agent gone without a deletion, and once both streams are written the hash holds, per part, the newest version.
/// </summary>
/// <remarks>The reader judges versions from the hash's own fields (each part writes its version as its field's value),
/// never from the fence's bookkeeping (<c>_v</c>, the tombstone's text).</remarks>
public abstract class FenceGenerationProperties
{
    private static readonly string[] Parts = ["agent", "feature", "voice"];
    private const string Primary = "agent";

    /// <summary>One source event: its part, version (rising per part in production order), whether it deletes the part,
    /// and its source timestamp (rising in production order, as the fence's timestamp rule needs).</summary>
    private sealed record Event(string Part, long Version, bool Deleted, long Timestamp);

    /// <summary>One write a generation's state stage sends: the aggregate after an event, at the next offset of its
    /// partition.</summary>
    private sealed record Write(long Offset, string Versions, KeyValuePair<string, string>[]? Fields, long Timestamp);

    private static List<Event> Events(int[] draws)
    {
        var versions = new Dictionary<string, long>();
        var events = new List<Event>(draws.Length);
        foreach (var draw in draws.Take(30))
        {
            var v = draw & int.MaxValue;
            var part = Parts[v % 3];
            var deleted = v / 3 % 6 == 0;
            var version = versions[part] = versions.GetValueOrDefault(part) + 1 + v / 18 % 2; // gaps happen
            events.Add(new Event(part, version, deleted, 1_000 + events.Count));
        }
        return events;
    }

    /// <summary>What one generation writes when it merges <paramref name="order"/>: the merge rule, done by the model.</summary>
    private static List<Write> Merge(IEnumerable<Event> order)
    {
        var state = new SortedDictionary<string, Event>(StringComparer.Ordinal);
        var writes = new List<Write>();
        foreach (var ev in order)
        {
            if (state.TryGetValue(ev.Part, out var held) && held.Version >= ev.Version)
                continue; // stale: no output
            state[ev.Part] = ev;
            var versions = string.Join(',', state.Values.Select(e => $"{e.Part}={e.Version}"));
            var deleted = state.TryGetValue(Primary, out var primary) && primary.Deleted;
            var fields = deleted ? null : state.Values.Where(e => !e.Deleted).Select(e => KeyValuePair.Create(e.Part, e.Version.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
            // The aggregate's timestamp is the last merged event's, as the merge stage keeps it.
            writes.Add(new Write(writes.Count, versions, fields, ev.Timestamp));
        }
        return writes;
    }

    /// <summary>Where the writes go: the fence script on a real server, or <see cref="FenceRule"/> over an in-memory
    /// hash and tombstone.</summary>
    protected interface IAgentStore : IAsyncDisposable
    {
        Task CutOverAsync();

        /// <summary>Sends one write of the old generation (0) or the new one (1).</summary>
        Task WriteAsync(AgentStateWrite write, bool newGeneration);

        /// <summary>The hash without fence fields (null: none) and whether a tombstone exists, read at once.</summary>
        Task<(Dictionary<string, string>? Hash, bool Tombstone)> ReadAsync();
    }

    protected abstract IAgentStore NewStore();

    /// <summary>The agent's key (a store may put it in a namespace of its own).</summary>
    protected const string Key = "cc:agent:gen-prop";

    [Property(MaxTest = 120)]
    public Task<bool> A_reader_never_sees_a_part_go_back_and_the_newest_version_of_each_part_wins(int[] draws, int seed) =>
        Task.Run(async () =>
        {
            await using var store = NewStore();
            var random = new Random(seed);
            var events = Events(draws);
            // Each generation reads the events in an order of its own (the old stage as producers wrote them, the new one
            // as the bridge copied the topics, or any other order): the merge drops what is stale.
            var oldWrites = Merge(events.OrderBy(_ => random.Next(4)).ThenBy(e => e.Timestamp));
            var newWrites = Merge(events.OrderBy(_ => random.Next()));
            var cutAt = random.Next(oldWrites.Count + newWrites.Count + 1);

            var reader = new Reader(events);
            var failures = reader.Failures;
            int o = 0, n = 0, step = 0;
            while (o < oldWrites.Count || n < newWrites.Count)
            {
                if (step++ == cutAt) await store.CutOverAsync();
                var fromNew = o == oldWrites.Count || (n < newWrites.Count && random.Next(2) == 0);
                var list = fromNew ? newWrites : oldWrites;
                var next = fromNew ? n++ : o++;
                await DeliverAsync(list[next]);
                // At least once: now and then an earlier write of the same stream is delivered again.
                if (random.Next(5) == 0) await DeliverAsync(list[random.Next(next + 1)]);

                async Task DeliverAsync(Write write)
                {
                    // The two generations count offsets in partitions of their own (0 and 5 here).
                    var stateWrite = new AgentStateWrite(Key, fromNew ? 5 : 0, write.Offset, write.Fields, write.Timestamp) { PartVersions = write.Versions };
                    await store.WriteAsync(stateWrite, fromNew);
                    var read = await store.ReadAsync();
                    reader.Observe(read.Hash, read.Tombstone, $"after {(fromNew ? "new" : "old")} write {write}");
                }
            }
            await store.CutOverAsync();

            // Both streams written: the newest version of every part (the hash gone when the primary's is a deletion).
            var newest = events.GroupBy(e => e.Part).Select(g => g.MaxBy(e => e.Version)!).ToList();
            var (hash, tombstone) = await store.ReadAsync();
            if (events.Count == 0)
            {
                if (hash is not null || tombstone) failures.Add("no events, yet the store holds the agent");
            }
            else if (newest.Any(e => e.Part == Primary && e.Deleted))
            {
                if (hash is not null || !tombstone) failures.Add($"the agent's newest primary event deletes it, yet hash={Show(hash)} tombstone={tombstone}");
            }
            else
            {
                var expected = newest.Where(e => !e.Deleted).ToDictionary(e => e.Part, e => e.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (hash is null || !expected.OrderBy(e => e.Key).SequenceEqual(hash.OrderBy(e => e.Key)))
                    failures.Add($"end state {Show(hash)}, expected {Show(expected)}");
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)) + $"\nevents: {string.Join(" ", events)}");
            return true;
        });

    /// <summary>The reader: per part, the versions a read is consistent with; a part whose highest is below what an
    /// earlier read proved went back.</summary>
    private sealed class Reader(List<Event> events)
    {
        private readonly Dictionary<string, long> _floors = new(StringComparer.Ordinal);
        private bool _seen;

        public List<string> Failures { get; } = [];

        public void Observe(Dictionary<string, string>? hash, bool tombstone, string when)
        {
            if (hash is null && !tombstone)
            {
                if (_seen) Failures.Add($"{when}: the agent is gone without a tombstone");
                return;
            }
            _seen = true;
            foreach (var part in Parts)
            {
                IEnumerable<long> consistent;
                if (hash is null)
                {
                    if (part != Primary) continue; // a deleted agent shows only that its primary part was deleted
                    consistent = events.Where(e => e.Part == part && e.Deleted).Select(e => e.Version);
                }
                else if (hash.TryGetValue(part, out var value))
                {
                    consistent = [long.Parse(value, System.Globalization.CultureInfo.InvariantCulture)];
                }
                else
                {
                    // No field: the part was never written, or deleted.
                    consistent = events.Where(e => e.Part == part && e.Deleted).Select(e => e.Version).Append(0);
                }
                var versions = consistent.ToList();
                if (versions.Count == 0)
                {
                    Failures.Add($"{when}: part {part} in a state no event explains");
                    continue;
                }
                if (_floors.TryGetValue(part, out var floor) && versions.Max() < floor)
                    Failures.Add($"{when}: part {part} read at version {versions.Max()} after a read proved version {floor}");
                _floors[part] = Math.Max(floor, versions.Min());
            }
        }
    }

    private static string Show(IReadOnlyDictionary<string, string>? hash) =>
        hash is null ? "(none)" : "{" + string.Join(", ", hash.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}")) + "}";
}

/// <summary>The property on <see cref="FenceRule"/>, the fence's C# mirror, over an in-memory hash and tombstone.</summary>
[Trait("Kind", "Property")]
public sealed class FenceGenerationRuleProperties : FenceGenerationProperties
{
    protected override IAgentStore NewStore() => new RuleStore();

    private sealed class RuleStore : IAgentStore
    {
        private Dictionary<string, string>? _hash;
        private Fence? _hashFence, _tombstone;
        private bool _cut;

        public Task CutOverAsync()
        {
            _cut = true;
            return Task.CompletedTask;
        }

        public Task WriteAsync(AgentStateWrite write, bool newGeneration)
        {
            var generation = newGeneration ? 1 : 0;
            if (!FenceRule.Applies(write, _hashFence, _tombstone, _hash, generation: generation, cutOver: _cut || !newGeneration))
                return Task.CompletedTask;
            var fence = new Fence(write.Partition, write.Offset, write.SourceTimestampMs, generation, write.PartVersions);
            if (write.Fields is null)
                (_hash, _hashFence, _tombstone) = (null, null, fence);
            else
                (_hash, _hashFence, _tombstone) = (write.Fields.ToDictionary(f => f.Key, f => f.Value), fence, null);
            return Task.CompletedTask;
        }

        public Task<(Dictionary<string, string>? Hash, bool Tombstone)> ReadAsync() =>
            Task.FromResult((_hash is null ? null : new Dictionary<string, string>(_hash), _tombstone is not null));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>The property on the fence script in a real server (embedded Garnet).</summary>
[Collection(GarnetCollection.Name)]
[Trait("Kind", "Integration")]
public sealed class FenceGenerationPropertiesOnGarnet(GarnetBackend backend) : FenceGenerationProperties
{
    protected override IAgentStore NewStore() => new ScriptStore(backend.Db);

    private sealed class ScriptStore(IDatabase db) : IAgentStore
    {
        private readonly string _ns = Guid.NewGuid().ToString("N");

        private string HashKey => $"{Key}-{_ns}";

        private RedisKey Tomb => FenceScript.TombstoneKey(HashKey);

        private RedisKey Cut => $"cc:generation:gen-prop-{_ns}:cutover";

        private RedisKey Progress(bool newGeneration) => $"cc:offsets:gen-prop-{(newGeneration ? "new" : "old")}-{_ns}:0";

        public Task CutOverAsync() => db.StringSetAsync(Cut, "1");

        public async Task WriteAsync(AgentStateWrite write, bool newGeneration)
        {
            var (keys, args) = FenceScript.Call([new FenceWrite(write with { Key = HashKey })], 60_000, _ => Progress(newGeneration), _ => null,
                generation: newGeneration ? new StageGeneration(1, Cut) : null);
            await db.ScriptEvaluateAsync(FenceScript.Source, keys, args);
        }

        public async Task<(Dictionary<string, string>? Hash, bool Tombstone)> ReadAsync()
        {
            var tx = db.CreateTransaction();
            var hash = tx.HashGetAllAsync(HashKey);
            var stone = tx.KeyExistsAsync(Tomb);
            await tx.ExecuteAsync();
            var entries = await hash;
            return (entries.Length == 0 ? null : entries.Where(e => !((string)e.Name!).StartsWith('_')).ToDictionary(e => (string)e.Name!, e => (string)e.Value!),
                await stone);
        }

        public async ValueTask DisposeAsync() => await db.KeyDeleteAsync([HashKey, Tomb, Cut, Progress(false), Progress(true)]);
    }
}
