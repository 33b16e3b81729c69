namespace ContactCenter.Processor.Threading;

/// <summary>
/// Runs a call that blocks (a library's synchronous close: Streamiz's stream, librdkafka's consumer close and flush,
/// a Redis connection's dispose) on a background thread of its own. On the thread pool such calls starve everything
/// else while the broker or Redis is away: with two cores the pool has two threads to start with and adds about one a
/// second, so the timers that bound a stop fire seconds late and the grace period is overrun. A background thread also
/// never holds the process's exit when the call does not return.
/// </summary>
internal static class DedicatedThread
{
    /// <summary>Starts <paramref name="blocking"/> on a new background thread named <paramref name="name"/>; the task ends
    /// with it (or with its exception).</summary>
    public static Task Run(Action blocking, string name)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                blocking();
                done.SetResult();
            }
            catch (Exception error)
            {
                done.SetException(error);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }
}
