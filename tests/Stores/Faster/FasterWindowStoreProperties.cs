using ContactCenter.Stores.Faster;
using FsCheck;
using FsCheck.Fluent;

namespace ContactCenter.Tests.Stores.Faster;

/// <summary>
/// The window store against a dictionary model: random sequences of puts, gets, marks, progress, expiries and restores.
/// A restore rebuilds the store in a fresh directory from its changelog (every record it returned, in order) and, in the
/// same step, a second one from the changelog compacted as Kafka would (latest record per key, deleted keys dropped):
/// both must equal the model. The small pages push most records to FASTER's on-disk log.
/// </summary>
[Trait("Kind", "Property")]
public class FasterWindowStoreProperties
{
    private const long RetentionMs = 5_000;
    private static readonly string[] Groups = ["acme", "globex", "a-1", "x"];
    private static readonly string[] Keys = ["agent-1", "agent-2", "agent-3"];

    internal abstract record Op;
    internal sealed record Put(int Group, long Start, long Count, long Offset) : Op;
    internal sealed record Get(int Group, long Start) : Op;
    internal sealed record Mark(int Key, string Value, long Offset) : Op;
    internal sealed record Progress(long Offset, long StreamTime) : Op;
    internal sealed record Expire(long StreamTime) : Op;
    internal sealed record Restore : Op;

    private static Gen<long> StartGen => Gen.Choose(0, 20).Select(i => i * 1000L);

    private static Gen<Op> OpGen => Gen.Frequency<Op>(
        (10, Gen.Choose(0, Groups.Length - 1).SelectMany(g => StartGen.SelectMany(s => Gen.Choose(0, 1000).SelectMany(c => Gen.Choose(0, 100_000).Select(o => (Op)new Put(g, s, c, o)))))),
        (4, Gen.Choose(0, Groups.Length - 1).SelectMany(g => StartGen.Select(s => (Op)new Get(g, s)))),
        (3, Gen.Choose(0, Keys.Length - 1).SelectMany(k => Gen.Elements("call-1", "call-2", "", "call-é").SelectMany(v => Gen.Choose(0, 1000).Select(o => (Op)new Mark(k, v, o))))),
        (2, Gen.Choose(0, 1000).SelectMany(o => Gen.Choose(0, 30_000).Select(t => (Op)new Progress(o, t)))),
        (3, Gen.Choose(0, 60).Select(t => (Op)new Expire(t * 500L))),
        (2, Gen.Constant<Op>(new Restore())));

    private static int Sequences =>
        int.TryParse(Environment.GetEnvironmentVariable("CC_STORE_MODEL_SEQUENCES"), out var n) && n > 0 ? n / 4 : 250;

    [Fact]
    public void Random_sequences_match_a_dictionary_model_through_expiry_and_restore()
    {
        var root = StoreTestSupport.NewDirectory("windows");
        try
        {
            var run = 0;
            var property = Prop.ForAll(Gen.Choose(1, 30).SelectMany(n => Gen.ArrayOf(OpGen, n)).ToArbitrary(),
                ops => Run(ops, Path.Combine(root, (run++).ToString(System.Globalization.CultureInfo.InvariantCulture))));
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(Sequences).WithQuietOnSuccess(true), property);
        }
        finally
        {
            StoreTestSupport.Delete(root);
        }
    }

    private static FasterStoreOptions Small => new()
    {
        PageSizeBytes = 1 << 9, MemorySizeBytes = 1 << 11, SegmentSizeBytes = 1 << 14, IndexSizeBytes = 1 << 9,
    };

    private static bool Run(Op[] ops, string dir)
    {
        var windows = new Dictionary<(string, long), WindowCount>();
        var marks = new Dictionary<string, CountedMark>();
        WindowProgress? progress = null;
        var changelog = new List<ChangelogEntry>();
        var generation = 0;
        var store = new FasterWindowStore(Path.Combine(dir, "0"), TimeSpan.FromMilliseconds(RetentionMs), Small);
        try
        {
            for (var step = 0; step < ops.Length; step++)
            {
                var where = $"step {step} {ops[step]}";
                switch (ops[step])
                {
                    case Put(var g, var s, var c, var o):
                        changelog.Add(store.Put(Groups[g], s, new WindowCount(c, o)));
                        windows[(Groups[g], s)] = new WindowCount(c, o);
                        break;
                    case Get(var g, var s):
                        Assert.True(Equals(windows.TryGetValue((Groups[g], s), out var expected) ? expected : (WindowCount?)null, store.Get(Groups[g], s)), where);
                        break;
                    case Mark(var k, var v, var o):
                        changelog.Add(store.PutMark(Keys[k], new CountedMark(v, o)));
                        marks[Keys[k]] = new CountedMark(v, o);
                        break;
                    case Progress(var o, var t):
                        changelog.Add(store.SetProgress(new WindowProgress(o, t)));
                        progress = new WindowProgress(o, t);
                        break;
                    case Expire(var t):
                        var dropped = store.Expire(t, changelog);
                        var gone = windows.Keys.Where(w => w.Item2 < t - RetentionMs).ToList();
                        foreach (var w in gone) windows.Remove(w);
                        Assert.True(gone.Count == dropped, $"{where}: dropped {dropped}, model {gone.Count}");
                        break;
                    case Restore:
                        store.Dispose();
                        var compacted = changelog.GroupBy(e => Convert.ToHexString(e.Key)).Select(g => g.Last()).Where(e => e.Value is not null).ToList();
                        using (var fromCompacted = Rebuild(Path.Combine(dir, $"{++generation}"), compacted))
                            Same(windows, marks, progress, fromCompacted, $"{where} (compacted changelog)");
                        store = Rebuild(Path.Combine(dir, $"{++generation}"), changelog);
                        break;
                }
                Same(windows, marks, progress, store, where);
            }
            return true;
        }
        finally
        {
            store.Dispose();
        }
    }

    private static FasterWindowStore Rebuild(string dir, IEnumerable<ChangelogEntry> changelog)
    {
        var store = new FasterWindowStore(dir, TimeSpan.FromMilliseconds(RetentionMs), Small);
        foreach (var entry in changelog) store.Restore(entry.Key, entry.Value);
        return store;
    }

    private static void Same(Dictionary<(string, long), WindowCount> windows, Dictionary<string, CountedMark> marks, WindowProgress? progress, FasterWindowStore store, string where)
    {
        var expected = windows.OrderBy(w => w.Key.Item2).ThenBy(w => w.Key.Item1, StringComparer.Ordinal).Select(w => (w.Key.Item1, w.Key.Item2, w.Value)).ToList();
        var actual = store.Windows().ToList();
        Assert.True(expected.SequenceEqual(actual), $"{where}: windows {string.Join(",", actual)} but model {string.Join(",", expected)}");
        Assert.True(windows.Count == store.WindowCount, $"{where}: count {store.WindowCount}, model {windows.Count}");
        foreach (var key in Keys)
            Assert.True(Equals(marks.TryGetValue(key, out var m) ? m : (CountedMark?)null, store.GetMark(key)), $"{where}: mark of {key}");
        Assert.True(Equals(progress, store.Progress), $"{where}: progress {store.Progress}, model {progress}");
    }
}
