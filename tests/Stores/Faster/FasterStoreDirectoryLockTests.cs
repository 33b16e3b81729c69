using System.Diagnostics;
using ContactCenter.Stores.Faster;
using Streamiz.Kafka.Net.Crosscutting;

namespace ContactCenter.Tests.Stores.Faster;

/// <summary>
/// A store directory is opened by one store at a time (pods sharing a state directory must never run two FASTER
/// instances on one log): a second open waits for the first to close, fails after the wait, and a crash (close without
/// checkpoint) releases the directory like a clean close.
/// </summary>
[Trait("Kind", "Unit")]
public sealed class FasterStoreDirectoryLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-faster-lock-").FullName;

    private static FasterStoreOptions Options(TimeSpan wait) => new()
    {
        PageSizeBytes = 1 << 9,
        MemorySizeBytes = 1 << 11,
        SegmentSizeBytes = 1 << 14,
        IndexSizeBytes = 1 << 9,
        Logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance,
        DirectoryLockWait = wait,
    };

    private static Bytes Key(string k) => Bytes.Wrap(System.Text.Encoding.UTF8.GetBytes(k));

    [Fact]
    public void A_second_open_of_a_directory_in_use_fails_after_the_wait_and_the_first_store_is_untouched()
    {
        var first = new FasterKeyValueStore("s", Options(TimeSpan.FromSeconds(1)));
        first.Open(_dir);
        first.Put(Key("a"), [1]);

        var second = new FasterKeyValueStore("s", Options(TimeSpan.FromMilliseconds(300)));
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<IOException>(() => second.Open(_dir));
        Assert.True(clock.ElapsedMilliseconds >= 300, $"gave up after {clock.ElapsedMilliseconds} ms, before the wait");
        Assert.Contains("still locked", error.Message);

        Assert.Equal([1], first.Get(Key("a")));
        first.Close();
    }

    [Fact]
    public void A_second_open_waits_for_the_first_store_to_close_and_then_sees_its_data()
    {
        var first = new FasterKeyValueStore("s", Options(TimeSpan.FromSeconds(1)));
        first.Open(_dir);
        first.Put(Key("a"), [7]);
        var closing = Task.Run(async () =>
        {
            await Task.Delay(300);
            first.Close();
        });

        var second = new FasterKeyValueStore("s", Options(TimeSpan.FromSeconds(10)));
        second.Open(_dir);
        Assert.True(closing.IsCompleted, "the second store opened while the first still held the directory");
        Assert.Equal([7], second.Get(Key("a")));
        second.Close();
    }

    [Fact]
    public void A_crashed_store_releases_the_directory()
    {
        var first = new FasterKeyValueStore("s", Options(TimeSpan.FromSeconds(1)));
        first.Open(_dir);
        first.Put(Key("a"), [1]);
        first.CloseWithoutCheckpoint();

        var second = new FasterKeyValueStore("s", Options(TimeSpan.FromMilliseconds(100)));
        second.Open(_dir);
        second.Close();
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
