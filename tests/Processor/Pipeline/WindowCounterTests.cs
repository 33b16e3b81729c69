using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Faster;
using ContactCenter.Topology.Processing;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Tests.Processor.Pipeline;

/// <summary><see cref="WindowCounter"/> on a real window store: hopping windows, grace, once-per and records read again.</summary>
[Trait("Kind", "Unit")]
public sealed class WindowCounterTests : IDisposable
{
    private const long Minute = 60_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-window-counter-").FullName;

    private static WindowStageSpec Spec(TimeSpan advance) => new("w", "g", "in", 1, ["tenantId"], "s", "g-s-changelog", "cc:window:w:{tenantId}", "dlq")
    {
        Size = TimeSpan.FromMinutes(15), Advance = advance, Grace = TimeSpan.FromMinutes(1), Retention = TimeSpan.FromHours(1), Ttl = TimeSpan.FromHours(1),
        OncePerField = "callId",
    };

    private static WindowRecord Call(string agent, string id, long time) => new(true, agent, "acme", time, id, null);

    [Fact]
    public void A_hopping_record_counts_in_every_window_containing_it()
    {
        Assert.Equal([10 * Minute, 5 * Minute, 0L], WindowCounter.Starts(12 * Minute, 15 * Minute, 5 * Minute));
        Assert.Equal([15 * Minute], WindowCounter.Starts(15 * Minute, 15 * Minute, 15 * Minute));
        var spec = Spec(TimeSpan.FromMinutes(5));
        using var store = new FasterWindowStore(_dir, spec.Retention);
        var outcome = new WindowOutcome();
        WindowCounter.Count(spec, store, 0, 0, Call("a-1", "c-1", 12 * Minute), outcome);
        Assert.Equal(["cc:window:w:acme:0", "cc:window:w:acme:300000", "cc:window:w:acme:600000"], outcome.Updates.Select(u => u.RedisKey).Order());
        Assert.All(outcome.Updates, u => Assert.Equal((1L, 0L), (u.Count, u.Offset)));
    }

    [Fact]
    public void The_same_call_is_counted_once_and_a_record_read_again_is_only_re_emitted()
    {
        var spec = Spec(TimeSpan.FromMinutes(15));
        using var store = new FasterWindowStore(_dir, spec.Retention);
        var outcome = new WindowOutcome();
        WindowCounter.Count(spec, store, 0, 0, Call("a-1", "c-1", 1 * Minute), outcome);
        outcome.Clear();
        WindowCounter.Count(spec, store, 0, 1, Call("a-1", "c-1", 2 * Minute), outcome);
        Assert.Empty(outcome.Updates);
        WindowCounter.Count(spec, store, 0, 2, Call("a-2", "c-2", 3 * Minute), outcome);
        Assert.Equal(2, store.Get("acme", 0)!.Value.Count);
        // Offsets 0..2 again (no commit before a crash): nothing changes, the window is written again as it is.
        for (var offset = 0; offset <= 2; offset++)
        {
            outcome.Clear();
            WindowCounter.Count(spec, store, 0, offset, Call(offset == 2 ? "a-2" : "a-1", offset == 2 ? "c-2" : "c-1", (offset + 1) * Minute), outcome);
            Assert.Empty(outcome.Changelog);
            Assert.All(outcome.Updates, u => Assert.Equal((2L, 2L), (u.Count, u.Offset)));
        }
        Assert.Equal(new WindowCount(2, 2), store.Get("acme", 0));
    }

    [Fact]
    public void A_record_past_its_windows_end_plus_grace_is_late_and_changes_nothing()
    {
        var spec = Spec(TimeSpan.FromMinutes(15));
        using var store = new FasterWindowStore(_dir, spec.Retention);
        var outcome = new WindowOutcome();
        WindowCounter.Count(spec, store, 0, 0, Call("a-1", "c-1", 15 * Minute + 59_999), outcome); // stream time 15:59.999
        outcome.Clear();
        WindowCounter.Count(spec, store, 0, 1, Call("a-2", "c-2", 14 * Minute), outcome); // window 0 closes at 16:00: within grace
        Assert.Null(outcome.DeadLetterReason);
        WindowCounter.Count(spec, store, 0, 2, Call("a-3", "c-3", 16 * Minute), outcome); // stream time 16:00
        outcome.Clear();
        WindowCounter.Count(spec, store, 0, 3, Call("a-4", "c-4", 14 * Minute), outcome);
        Assert.StartsWith("late-record: window w [0, 900000) of event time 840000 closed at 960000", outcome.DeadLetterReason);
        Assert.Empty(outcome.Changelog);
        Assert.Equal(1, store.Get("acme", 0)!.Value.Count);
        Assert.Null(store.GetMark("a-4"));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
