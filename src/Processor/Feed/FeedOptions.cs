namespace ContactCenter.Processor.Feed;

/// <summary>Tuning of a pod's agent feed (configuration section <c>Feed</c>).</summary>
internal sealed class FeedOptions
{
    /// <summary>Published batches a client may fall behind by before it is dropped (it reconnects and resumes from its
    /// last event id): a slow client never slows the pod or the other clients.</summary>
    public int ClientBuffer { get; set; } = 1024;

    /// <summary>Most clients one pod serves at once; more are refused with 503.</summary>
    public int MaxClients { get; set; } = 10_000;

    /// <summary>How often an idle stream gets a comment line, so dead connections are noticed.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);
}
