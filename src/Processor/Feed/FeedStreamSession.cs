using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace ContactCenter.Processor.Feed;

/// <summary>
/// What every event stream of the feed (agents, counts) holds while it runs: the Redis it reads, its connection to the
/// feed's batches, and a token that ends when the client goes or the pod stops (a stopping pod ends its streams at
/// once, clients resume elsewhere, instead of holding its shutdown).
/// </summary>
internal sealed class FeedStreamSession : IDisposable
{
    private readonly CancellationTokenSource _ended;

    private FeedStreamSession(IConnectionMultiplexer redis, FeedConnection connection, CancellationTokenSource ended)
    {
        Redis = redis;
        Connection = connection;
        _ended = ended;
    }

    public IConnectionMultiplexer Redis { get; }

    public FeedConnection Connection { get; }

    public CancellationToken Ended => _ended.Token;

    /// <summary>Opens a session, or answers 503 with the reason (Redis not connected yet, the feed refusing more
    /// clients) and returns null.</summary>
    public static async Task<FeedStreamSession?> OpenAsync(HttpContext http, AgentFeed feed)
    {
        if (feed.Redis is not { } redis)
        {
            await Results.Text("not ready: Redis is not connected yet\n", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(http);
            return null;
        }
        FeedConnection connection;
        try
        {
            connection = await feed.ConnectAsync(http.RequestAborted);
        }
        catch (InvalidOperationException refused)
        {
            await Results.Text($"not now: {refused.Message}\n", statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(http);
            return null;
        }
        var stopping = http.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        return new FeedStreamSession(redis, connection, CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping));
    }

    /// <summary>The response headers of a server-sent event stream that no proxy buffers.</summary>
    public static void BeginEventStream(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    public void Dispose()
    {
        _ended.Dispose();
        Connection.Dispose();
    }
}
