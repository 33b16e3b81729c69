namespace ContactCenter.Bench.Stores;

/// <summary>A store call that did not return within its bound (the thread is left behind, still running).</summary>
internal sealed class StoreHungException(string what, TimeSpan limit)
    : Exception($"{what} did not return within {limit.TotalSeconds:F0} s")
{
    public string What { get; } = what;
}

/// <summary>
/// Runs one benchmark step on a dedicated background thread and gives up waiting after a bound, so a store
/// that hangs (e.g. a checkpoint that never completes) ends the run with a report instead of stalling it.
/// A hung thread may keep spinning a core: the caller stops measuring after a hang.
/// </summary>
internal static class Guard
{
    public static T Run<T>(string what, TimeSpan limit, Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { error = e; }
        }) { IsBackground = true, Name = $"bench-step {what}" };
        thread.Start();
        if (!thread.Join(limit)) throw new StoreHungException(what, limit);
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        return result;
    }

    public static void Run(string what, TimeSpan limit, Action body) => Run<object?>(what, limit, () => { body(); return null; });
}
