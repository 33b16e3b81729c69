using System.Diagnostics;

namespace ContactCenter.Stores.Faster;

/// <summary>
/// An exclusive lock on a store's directory, held from open to close: two FASTER instances writing one log and one
/// checkpoint folder would corrupt both. It matters when pods share a state directory (a new owner recovers the previous
/// owner's checkpoint instead of replaying the changelog): the group hands a partition over only after its old owner
/// closed the task, but an old owner that stalled past its session (GC, network) may still hold the store when the
/// new one opens it. The lock is the operating system's (<c>flock</c> on Linux, through <see cref="FileShare.None"/>),
/// so it dies with the process that held it: a killed pod never leaves a stale lock behind.
/// </summary>
internal sealed class StoreDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private StoreDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for a previous owner to close the store.</summary>
    /// <exception cref="IOException">Another store still holds the directory after the wait.</exception>
    public static StoreDirectoryLock Acquire(string directory, TimeSpan wait)
    {
        var path = Path.Combine(directory, "LOCK");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new StoreDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
            {
                if (clock.Elapsed >= wait)
                    throw new IOException($"store directory {directory} is still locked by another store after {wait.TotalSeconds:F0} s "
                        + "(another process still owns this partition's store?); refusing to open it twice", e);
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
