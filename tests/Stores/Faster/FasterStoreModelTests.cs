using ContactCenter.Stores.Faster;
using ContactCenter.Stores;
using FsCheck;
using FsCheck.Fluent;
using Streamiz.Kafka.Net.Crosscutting;
using Xunit;

namespace ContactCenter.Tests.Stores.Faster;

/// <summary>
/// Model-based test: random short sequences of every store operation, with checkpoints, crashes
/// (close without checkpoint, reopen, restore the changelog tail) and clean close/reopen in between,
/// checked step by step against a sorted dictionary.
/// </summary>
[Trait("Kind", "Property")]
public class FasterStoreModelTests
{
    // Keys chosen to exercise ordering: empty key, prefixes, 0x00 and 0xFF bytes (unsigned order).
    private static readonly byte[][] Keys =
    [
        [], [0], [1], [1, 0], [1, 255], [2], [2, 1, 1], [127], [128], [200, 3], [255], [255, 255],
    ];

    internal abstract record Op;
    internal sealed record Put(int Key, byte[]? Value) : Op;
    internal sealed record PutIfAbsent(int Key, byte[] Value) : Op;
    internal sealed record PutAll((int Key, byte[]? Value)[] Entries) : Op;
    internal sealed record Delete(int Key) : Op;
    internal sealed record Get(int Key) : Op;
    internal sealed record Range(int From, int To, bool Reverse) : Op;
    internal sealed record All(bool Reverse) : Op;
    internal sealed record Count : Op;
    internal sealed record Checkpoint : Op;
    internal sealed record Crash : Op;
    internal sealed record Reopen : Op;

    private static Gen<byte[]> ValueGen =>
        Gen.Frequency(
            (8, Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), n))),
            (1, Gen.Choose(200, 400).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), n))));

    private static Gen<int> KeyGen => Gen.Choose(0, Keys.Length - 1);

    private static Gen<Op> OpGen =>
        Gen.Frequency<Op>(
            (10, KeyGen.SelectMany(k => ValueGen.Select(v => (Op)new Put(k, v)))),
            (2, KeyGen.Select(k => (Op)new Put(k, null))),
            (3, KeyGen.SelectMany(k => ValueGen.Select(v => (Op)new PutIfAbsent(k, v)))),
            (2, Gen.ListOf(KeyGen.SelectMany(k => Gen.Frequency((4, ValueGen.Select(v => (byte[]?)v)), (1, Gen.Constant<byte[]?>(null))).Select(v => (k, v))), 4)
                .Select(l => (Op)new PutAll(l.ToArray()))),
            (3, KeyGen.Select(k => (Op)new Delete(k))),
            (4, KeyGen.Select(k => (Op)new Get(k))),
            (2, KeyGen.SelectMany(a => KeyGen.SelectMany(b => Gen.Elements(true, false).Select(r => (Op)new Range(a, b, r))))),
            (1, Gen.Elements(true, false).Select(r => (Op)new All(r))),
            (1, Gen.Constant<Op>(new Count())),
            (2, Gen.Constant<Op>(new Checkpoint())),
            (2, Gen.Constant<Op>(new Crash())),
            (1, Gen.Constant<Op>(new Reopen())));

    private static Arbitrary<Op[]> Sequences =>
        Gen.Choose(1, 16).SelectMany(n => Gen.ArrayOf(OpGen, n)).ToArbitrary();

    // 1000 by default; CC_STORE_MODEL_SEQUENCES overrides it for quick local runs or longer soak runs.
    private static int SequenceCount =>
        int.TryParse(Environment.GetEnvironmentVariable("CC_STORE_MODEL_SEQUENCES"), out var n) && n > 0 ? n : 1000;

    [Fact]
    public void Random_operation_sequences_match_an_ordered_dictionary_model() => Check(SequenceCount, background: false);

    /// <summary>
    /// The same sequences with background checkpoints: a crash may hit a checkpoint still running, so the
    /// restore replays the whole changelog over whatever was recovered (no offsets are recorded without Streamiz);
    /// the recovered state must never hold anything the changelog does not lead to.
    /// </summary>
    [Fact]
    public void Random_operation_sequences_with_background_checkpoints_match_the_model() => Check(SequenceCount / 4, background: true);

    private static void Check(int sequences, bool background)
    {
        var root = StoreTestSupport.NewDirectory("model");
        try
        {
            var run = 0;
            var property = Prop.ForAll(Sequences, ops => Run(ops, Path.Combine(root, (run++).ToString()), background));
            FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(sequences).WithQuietOnSuccess(true), property);
        }
        finally
        {
            StoreTestSupport.Delete(root);
        }
    }

    private static bool Run(Op[] ops, string dir, bool background)
    {
        var model = new SortedDictionary<byte[], byte[]>(ByteKeyComparer.Instance);
        var changelog = new List<(byte[] Key, byte[]? Value)>();
        var checkpointed = 0;
        var store = new FasterKeyValueStore("model", StoreTestSupport.Minimal(background));
        store.Open(dir);
        try
        {
            for (var step = 0; step < ops.Length; step++)
            {
                var where = $"step {step} {ops[step]}";
                switch (ops[step])
                {
                    case Put(var k, var v):
                        store.Put(Bytes.Wrap(Keys[k]), v);
                        Apply(model, changelog, Keys[k], v);
                        break;
                    case PutIfAbsent(var k, var v):
                        var existing = store.PutIfAbsent(Bytes.Wrap(Keys[k]), v);
                        Equal(model.GetValueOrDefault(Keys[k]), existing, where);
                        if (existing is null) Apply(model, changelog, Keys[k], v);
                        break;
                    case PutAll(var entries):
                        store.PutAll(entries.Select(e => new KeyValuePair<Bytes, byte[]>(Bytes.Wrap(Keys[e.Key]), e.Value!)).ToList());
                        foreach (var e in entries) Apply(model, changelog, Keys[e.Key], e.Value);
                        break;
                    case Delete(var k):
                        Equal(model.GetValueOrDefault(Keys[k]), store.Delete(Bytes.Wrap(Keys[k])), where);
                        if (model.ContainsKey(Keys[k])) Apply(model, changelog, Keys[k], null);
                        break;
                    case Get(var k):
                        Equal(model.GetValueOrDefault(Keys[k]), store.Get(Bytes.Wrap(Keys[k])), where);
                        break;
                    case Range(var a, var b, var reverse):
                        var from = Keys[a];
                        var to = Keys[b];
                        var expected = model.Where(e => ByteKeyComparer.Instance.Compare(e.Key, from) >= 0 && ByteKeyComparer.Instance.Compare(e.Key, to) <= 0).ToList();
                        if (reverse) expected.Reverse();
                        using (var it = reverse ? store.ReverseRange(Bytes.Wrap(from), Bytes.Wrap(to)) : store.Range(Bytes.Wrap(from), Bytes.Wrap(to)))
                        {
                            var actual = new List<KeyValuePair<Bytes, byte[]>>();
                            while (it.MoveNext()) actual.Add(it.Current!.Value);
                            SameSequence(expected, actual, where);
                        }
                        break;
                    case All(var reverse):
                        var all = model.ToList();
                        if (reverse) all.Reverse();
                        SameSequence(all, (reverse ? store.ReverseAll() : store.All()).ToList(), where);
                        break;
                    case Count:
                        Assert.True(model.Count == store.ApproximateNumEntries(), $"{where}: count {store.ApproximateNumEntries()} != {model.Count}");
                        break;
                    case Checkpoint:
                        store.Flush();
                        checkpointed = changelog.Count;
                        break;
                    case Crash:
                        store.CloseWithoutCheckpoint();
                        store = new FasterKeyValueStore("model", StoreTestSupport.Minimal(background));
                        store.Open(dir);
                        // Streamiz restores the changelog from the offset of the last checkpoint.
                        for (var offset = background ? 0 : checkpointed; offset < changelog.Count; offset++)
                            store.Restore("model-changelog", 0, offset, Bytes.Wrap(changelog[offset].Key), changelog[offset].Value);
                        break;
                    case Reopen:
                        store.Close();
                        checkpointed = changelog.Count;
                        store = new FasterKeyValueStore("model", StoreTestSupport.Minimal(background));
                        store.Open(dir);
                        Assert.True(model.Count == 0 || store.LastRecovery.Outcome == RecoveryOutcome.Recovered, $"{where}: {store.LastRecovery.Message}");
                        break;
                }
            }
            // Whatever happened, the final state and count must equal the model's.
            SameSequence(model.ToList(), store.All().ToList(), "final");
            Assert.Equal(model.Count, store.ApproximateNumEntries());
            return true;
        }
        finally
        {
            store.CloseWithoutCheckpoint();
            StoreTestSupport.Delete(dir);
        }
    }

    private static void Apply(SortedDictionary<byte[], byte[]> model, List<(byte[], byte[]?)> changelog, byte[] key, byte[]? value)
    {
        if (value is null) model.Remove(key);
        else model[key] = value;
        changelog.Add((key, value));
    }

    private static void Equal(byte[]? expected, byte[]? actual, string where) =>
        Assert.True(StoreTestSupport.Hex(expected) == StoreTestSupport.Hex(actual), $"{where}: expected {StoreTestSupport.Hex(expected)}, got {StoreTestSupport.Hex(actual)}");

    private static void SameSequence(List<KeyValuePair<byte[], byte[]>> expected, List<KeyValuePair<Bytes, byte[]>> actual, string where)
    {
        var e = string.Join(",", expected.Select(p => $"{StoreTestSupport.Hex(p.Key)}={StoreTestSupport.Hex(p.Value)}"));
        var a = string.Join(",", actual.Select(p => $"{StoreTestSupport.Hex(p.Key.Get)}={StoreTestSupport.Hex(p.Value)}"));
        Assert.True(e == a, $"{where}:\n expected [{e}]\n actual   [{a}]");
    }
}
