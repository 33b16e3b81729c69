using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ContactCenter.Broker.Security;

namespace ContactCenter.Broker;

/// <summary>
/// One broker of the embedded cluster: a loopback listener accepting connections. It can be stopped and started
/// again on the same port (failure injection), as a broker process restarted on its host.
/// </summary>
internal sealed class BrokerListener : IAsyncDisposable
{
    private readonly ClusterState _cluster;
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private readonly Lock _gate = new();
    private Socket? _listener;
    private CancellationTokenSource _stop = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _responseDelayTicks;

    private readonly BrokerListenerOptions _options;

    public BrokerListener(ClusterState cluster, int id, BrokerListenerOptions? options = null)
    {
        _cluster = cluster;
        _options = options ?? new BrokerListenerOptions();
        _listener = Bind(_options.Port);
        Node = new BrokerNode(id, "127.0.0.1", ((IPEndPoint)_listener.LocalEndPoint!).Port);
    }

    public BrokerNode Node { get; }

    /// <summary>False between <see cref="StopAsync"/> and <see cref="Start"/>.</summary>
    public bool IsRunning { get { lock (_gate) return _listener is not null; } }

    /// <summary>Every response of this broker waits this long before it is written (failure injection; zero by default).</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _responseDelayTicks));
        set => Interlocked.Exchange(ref _responseDelayTicks, Math.Max(0, value.Ticks));
    }

    private static Socket Bind(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Rebinding a port right after a restart must not fail on connections in TIME_WAIT (SO_REUSEADDR), but a second
        // broker must not share a port a live one listens on: on Linux .NET's ReuseAddress also sets SO_REUSEPORT,
        // which would allow exactly that, so set SO_REUSEADDR (SOL_SOCKET 1, option 2) alone there.
        if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
        else socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try { socket.Bind(new IPEndPoint(IPAddress.Loopback, port)); }
        catch (SocketException e) when (port != 0)
        {
            socket.Dispose();
            throw new InvalidOperationException($"Cannot listen on 127.0.0.1:{port}: {e.Message}", e);
        }
        socket.Listen(512);
        return socket;
    }

    /// <summary>Accepts connections (again, on the same port, after <see cref="StopAsync"/>).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _listener ??= Bind(Node.Port);
            if (!_acceptLoop.IsCompleted) return;
            _stop.Dispose(); // the stopped run's (the accept loop that used it has ended)
            _stop = new CancellationTokenSource();
            var listener = _listener;
            var stop = _stop.Token;
            _acceptLoop = Task.Run(() => AcceptLoopAsync(listener, stop));
        }
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await listener.AcceptAsync(stop).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            catch (SocketException) { if (stop.IsCancellationRequested) break; continue; }
            catch (ObjectDisposedException) { break; }
            client.NoDelay = true;
            var connection = new BrokerConnection(client, _cluster, Node, () => ResponseDelay, _options);
            _connections[client] = Task.Run(async () =>
            {
                try { await connection.RunAsync(stop).ConfigureAwait(false); }
                catch (Exception) { /* closing a connection (socket gone, pipe completed twice) is never an error of the broker */ }
                finally { _connections.TryRemove(client, out _); }
            });
        }
    }

    /// <summary>Drops every open connection (clients reconnect), keeping the listener: failure injection.</summary>
    public void DropConnections()
    {
        foreach (var socket in _connections.Keys)
        {
            try { socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
            socket.Dispose();
        }
    }

    /// <summary>
    /// Stops accepting and closes every connection: clients see the broker gone (connection refused) until
    /// <see cref="Start"/>. The cluster state (logs, groups) is kept, as a restarted broker keeps its disk.
    /// </summary>
    public async Task StopAsync()
    {
        Task loop;
        lock (_gate)
        {
            _stop.Cancel();
            _listener?.Dispose();
            _listener = null;
            loop = _acceptLoop;
        }
        DropConnections();
        try { await loop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        try { await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
        catch (TimeoutException) { /* a stuck connection must not hold up a stop */ }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
