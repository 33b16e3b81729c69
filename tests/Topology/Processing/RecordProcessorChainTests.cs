using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace ContactCenter.Tests.Topology.Processing;

[Trait("Kind", "Unit")]
public class RecordProcessorChainTests
{
    private static List<KeyValuePair<string, string>> Fields(params (string Key, string Value)[] fields) =>
        fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)).ToList();

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Theory]
    [InlineData(FilterTest.Equal, new[] { "ACTIVE" }, false, true)]
    [InlineData(FilterTest.Equal, new[] { "INACTIVE" }, false, false)]
    [InlineData(FilterTest.Equal, new[] { "ACTIVE" }, true, false)]
    [InlineData(FilterTest.OneOf, new[] { "X", "ACTIVE" }, false, true)]
    [InlineData(FilterTest.OneOf, new[] { "X", "Y" }, true, true)]
    [InlineData(FilterTest.Exists, new string[0], false, true)]
    [InlineData(FilterTest.Absent, new string[0], false, false)]
    [InlineData(FilterTest.Absent, new string[0], true, true)]
    public async Task FilterKeepsOrDrops(FilterTest test, string[] values, bool negate, bool kept)
    {
        var chain = new RecordProcessorChain([new FilterProcessorSpec("f", "status", test, values, negate)]);
        var fields = Fields(("name", "Ann"), ("status", "ACTIVE"));
        Assert.Equal(kept, await chain.ProcessAsync("a-1", fields));
    }

    [Fact]
    public async Task FilterOnAMissingFieldNeverMatchesAValue()
    {
        var chain = new RecordProcessorChain([new FilterProcessorSpec("f", "tenant", FilterTest.Equal, [""], false)]);
        Assert.False(await chain.ProcessAsync("a-1", Fields(("name", "Ann"))));
    }

    [Fact]
    public async Task MapRenamesThenDropsThenSets()
    {
        var chain = new RecordProcessorChain([new MapProcessorSpec("m",
            [new FieldMapping("tenantId", "tenant"), new FieldMapping("callState", "status")],
            ["secret"],
            [new("origin", "cc"), new("name", "fixed")])]);
        var fields = Fields(("name", "Ann"), ("tenantId", "t-1"), ("status", "old"), ("callState", "IDLE"), ("secret", "x"));
        Assert.True(await chain.ProcessAsync("a-1", fields));
        Assert.Equal(Fields(("name", "fixed"), ("tenant", "t-1"), ("status", "IDLE"), ("origin", "cc")), fields);
    }

    [Fact]
    public async Task DedupIsFirstWriteWinsWithinTheTtl()
    {
        var clock = new ManualClock();
        var store = new InMemoryDedupStore(clock);
        var spec = new DedupProcessorSpec("d", "eventId", "cc:dedup:s:", TimeSpan.FromMinutes(10));
        var podA = new RecordProcessorChain([spec], store);
        var podB = new RecordProcessorChain([spec], store);
        Assert.True(await podA.ProcessAsync("a-1", Fields(("eventId", "e-1"))));
        Assert.False(await podB.ProcessAsync("a-1", Fields(("eventId", "e-1"))));
        Assert.True(await podB.ProcessAsync("a-1", Fields(("eventId", "e-2"))));
        // No id field: nothing to deduplicate on, the record passes.
        Assert.True(await podB.ProcessAsync("a-1", Fields(("other", "x"))));
        clock.Now += TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(1);
        Assert.True(await podB.ProcessAsync("a-1", Fields(("eventId", "e-1"))));
        Assert.False(await podA.ProcessAsync("a-1", Fields(("eventId", "e-1"))));
    }

    [Fact]
    public async Task DedupOnTheKeyAndAsyncClaimsContinueTheChain()
    {
        var store = new SlowStore();
        var chain = new RecordProcessorChain(
            [new DedupProcessorSpec("d", null, "p:", TimeSpan.FromMinutes(1)), new MapProcessorSpec("m", [], [], [new("seen", "1")])], store);
        var fields = Fields(("a", "1"));
        Assert.True(await chain.ProcessAsync("k-1", fields));
        Assert.Equal("1", fields.Single(f => f.Key == "seen").Value);
        Assert.False(await chain.ProcessAsync("k-1", Fields(("a", "1"))));
        Assert.Equal(["p:k-1", "p:k-1"], store.Claims);
    }

    private sealed class SlowStore : IDedupStore
    {
        private readonly InMemoryDedupStore _inner = new();

        public List<string> Claims { get; } = [];

        public async ValueTask<bool> TryClaimAsync(string id, string? record, TimeSpan ttl)
        {
            Claims.Add(id);
            await Task.Yield();
            return await _inner.TryClaimAsync(id, record, ttl);
        }
    }

    [Fact]
    public void DedupWithoutAStoreIsRefused() =>
        Assert.Throws<ArgumentException>(() => new RecordProcessorChain([new DedupProcessorSpec("d", null, "p:", TimeSpan.FromMinutes(1))]));

    [Fact]
    public void ProjectionSelectsAndRenamesOrCopiesAll()
    {
        var fields = Fields(("name", "Ann"), ("tenantId", "t"), ("x", "y"));
        var output = new List<KeyValuePair<string, string>>();
        FieldProjection.Project([new FieldMapping("tenantId", "tenant"), new FieldMapping("missing", "m"), new FieldMapping("name", "name")], fields, output);
        Assert.Equal(Fields(("tenant", "t"), ("name", "Ann")), output);
        output.Clear();
        FieldProjection.Project([], fields, output);
        Assert.Equal(fields, output);
    }

    /// <summary>Model: a map step equals rename/drop/set on a dictionary, whatever the field names and order.</summary>
    [Fact]
    public void MapMatchesADictionaryModel()
    {
        var names = Gen.Elements("a", "b", "c", "d");
        var pairs = Gen.Zip(names, names);
        var gen =
            from record in Gen.ListOf(pairs)
            from renames in Gen.ListOf(pairs)
            from drops in Gen.ListOf(names)
            from sets in Gen.ListOf(pairs)
            select (record, renames, drops, sets);
        Prop.ForAll(Arb.From(gen), input =>
        {
            var (record, renames, drops, sets) = input;
            // A record has each field once: keep the first occurrence.
            var fields = record.DistinctBy(p => p.Item1).Select(p => new KeyValuePair<string, string>(p.Item1, p.Item2)).ToList();
            var model = fields.ToDictionary(f => f.Key, f => f.Value);
            foreach (var (from, to) in renames)
            {
                if (from == to || !model.Remove(from, out var v)) continue;
                model[to] = v;
            }
            foreach (var d in drops) model.Remove(d);
            foreach (var (k, v) in sets) model[k] = v;

            var chain = new RecordProcessorChain([new MapProcessorSpec("m",
                renames.Select(r => new FieldMapping(r.Item1, r.Item2)).ToList(), drops.ToList(),
                sets.Select(s => new KeyValuePair<string, string>(s.Item1, s.Item2)).ToList())]);
            var task = chain.ProcessAsync("k", fields);
            Assert.True(task.IsCompletedSuccessfully);
            Assert.Equal(model.OrderBy(p => p.Key), fields.OrderBy(p => p.Key));
            Assert.Equal(fields.Count, fields.Select(f => f.Key).Distinct().Count());
        }).QuickCheckThrowOnFailure();
    }
}
