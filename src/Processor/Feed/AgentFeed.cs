using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using ContactCenter.Processor.Pipeline;
using ContactCenter.Stores.Redis;
using ContactCenter.Topology.Spec;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ContactCenter.Processor.Feed;

/// <summary>
/// A pod's live agent feed: publishes the state stage's acknowledged changes (when the pod hosts it) and holds one
/// Redis subscription to the stage's change channel, fanned out to every connected client through a bounded buffer
/// each. A client whose buffer is full is dropped at once (it reconnects and resumes from its event id), so no client
/// can slow the pod or the others.
/// </summary>
internal sealed class AgentFeed : IAsyncDisposable
{
    private readonly StateStageSpec _spec;
    private readonly Func<IConnectionMultiplexer?> _redis;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<FeedConnection, byte> _clients = new();
    private readonly SemaphoreSlim _subscribing = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _pump;
    private Task? _heartbeat;
    private IConnectionMultiplexer? _subscribedOn;
    private StateChangePublisher? _publisher;
    private long _dropped;
    private long _received;

    public AgentFeed(StateStageSpec spec, Func<IConnectionMultiplexer?> redis, ILogger logger, FeedOptions? options = null)
    {
        _spec = spec;
        _redis = redis;
        _logger = logger;
        Options = options ?? new FeedOptions();
    }

    public FeedOptions Options { get; }

    public StateStageSpec Spec => _spec;

    /// <summary>The pub/sub channel of the stage's changes.</summary>
    public string Channel => $"{RedisKeyspace.ChangesPrefix}:{_spec.Name}";

    public IConnectionMultiplexer? Redis => _redis();

    public int Clients => _clients.Count;

    /// <summary>Clients dropped because they fell <see cref="FeedOptions.ClientBuffer"/> batches behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Changes this pod published (0 when it does not host the state stage).</summary>
    public long Published => _publisher?.Published ?? 0;

    /// <summary>Changes received on the channel (from every pod).</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Publishes what <paramref name="state"/>'s writer applies, once Redis acknowledged it.</summary>
    public void Attach(StateStageHost state, IConnectionMultiplexer redis)
    {
        var publisher = new StateChangePublisher(redis, Channel, _logger);
        if (Interlocked.CompareExchange(ref _publisher, publisher, null) is null)
            state.Acknowledged += publisher.OnAcknowledged;
    }

    /// <summary>A new client, receiving every batch from now on (call before reading its snapshot: nothing is missed).</summary>
    /// <exception cref="InvalidOperationException">Redis is not connected yet, or the pod serves its most clients.</exception>
    public async Task<FeedConnection> ConnectAsync(CancellationToken ct)
    {
        if (_clients.Count >= Options.MaxClients)
            throw new InvalidOperationException($"this pod serves its most feed clients ({Options.MaxClients})");
        await EnsureSubscribedAsync(ct);
        var connection = new FeedConnection(Options.ClientBuffer, c => _clients.TryRemove(c, out _));
        _clients[connection] = 0;
        return connection;
    }

    private async Task EnsureSubscribedAsync(CancellationToken ct)
    {
        if (_pump is not null) return;
        await _subscribing.WaitAsync(ct);
        try
        {
            if (_pump is not null) return;
            var redis = _redis() ?? throw new InvalidOperationException("Redis is not connected yet");
            var queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channel));
            // Pub/sub is lost while the connection is: every client is dropped and catches up from Redis on reconnect.
            redis.ConnectionFailed += OnConnectionFailed;
            _subscribedOn = redis;
            _pump = Task.Run(() => PumpAsync(queue));
            _heartbeat = Task.Run(HeartbeatAsync);
        }
        finally
        {
            _subscribing.Release();
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Subscription) return;
        _logger.LogWarning("Feed subscription to {Channel} lost ({Failure}); dropping {Clients} clients, which resume from Redis", Channel, e.FailureType, _clients.Count);
        foreach (var client in _clients.Keys)
            client.Drop("the pod's Redis subscription was interrupted");
    }

    private async Task PumpAsync(ChannelMessageQueue queue)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var message = await queue.ReadAsync(_stop.Token);
                FeedBatch batch;
                try
                {
                    batch = FeedBatch.Decode((byte[])message.Message!);
                }
                catch (Exception error) when (error is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
                {
                    _logger.LogWarning("Feed: ignoring a message on {Channel} that is not a change batch ({Reason})", Channel, error.Message);
                    continue;
                }
                Interlocked.Add(ref _received, batch.Changes.Count);
                _ = batch.SharedFrame; // encoded once here rather than by the first client that needs it
                Broadcast(batch);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    private async Task HeartbeatAsync()
    {
        using var timer = new PeriodicTimer(Options.Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
                Broadcast(FeedBatch.Heartbeat);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Broadcast(FeedBatch batch)
    {
        foreach (var client in _clients.Keys)
        {
            if (!client.Offer(batch))
            {
                Interlocked.Increment(ref _dropped);
                client.Drop($"it fell {Options.ClientBuffer} batches behind");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var client in _clients.Keys)
            client.Drop("the pod is stopping");
        if (_subscribedOn is { } redis)
        {
            redis.ConnectionFailed -= OnConnectionFailed;
            try { await redis.GetSubscriber().UnsubscribeAsync(RedisChannel.Literal(Channel)); }
            catch (Exception error) when (error is RedisException or ObjectDisposedException) { /* stopping anyway */ }
        }
        if (_pump is not null) await _pump;
        if (_heartbeat is not null) await _heartbeat;
        _stop.Dispose();
        _subscribing.Dispose();
    }
}

/// <summary>One client's bounded buffer of batches, filled by the feed's single subscription.</summary>
internal sealed class FeedConnection : IDisposable
{
    private readonly Channel<FeedBatch> _batches;
    private readonly Action<FeedConnection> _remove;

    public FeedConnection(int capacity, Action<FeedConnection> remove)
    {
        _batches = Channel.CreateBounded<FeedBatch>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });
        _remove = remove;
    }

    public ChannelReader<FeedBatch> Batches => _batches.Reader;

    /// <summary>Why the feed dropped this client, once it did.</summary>
    public string? DroppedBecause { get; private set; }

    /// <summary>False when the buffer is full.</summary>
    public bool Offer(FeedBatch batch) => _batches.Writer.TryWrite(batch) || DroppedBecause is not null;

    public void Drop(string reason)
    {
        DroppedBecause ??= reason;
        _batches.Writer.TryComplete();
        _remove(this);
    }

    public void Dispose()
    {
        _batches.Writer.TryComplete();
        _remove(this);
    }
}
