using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Processor.Kafka.Broker;

/// <summary>One broker of the embedded cluster: a loopback listener accepting connections until stopped.</summary>
internal sealed class BrokerListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ClusterState _cluster;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, Task> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;

    public BrokerListener(ClusterState cluster, int id, int port = 0)
    {
        _cluster = cluster;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        _listener.Listen(512);
        Node = new BrokerNode(id, "127.0.0.1", ((IPEndPoint)_listener.LocalEndPoint!).Port);
    }

    public BrokerNode Node { get; }

    public void Start() => _acceptLoop = Task.Run(AcceptLoopAsync);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            catch (SocketException) { if (_stop.IsCancellationRequested) break; continue; }
            catch (ObjectDisposedException) { break; }
            client.NoDelay = true;
            var connection = new BrokerConnection(client, _cluster, Node);
            _connections[client] = Task.Run(async () =>
            {
                try { await connection.RunAsync(_stop.Token).ConfigureAwait(false); }
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        DropConnections();
        try { await _acceptLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        try { await Task.WhenAll(_connections.Values).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
        catch (TimeoutException) { /* a stuck connection must not hold up shutdown */ }
        _stop.Dispose();
    }
}
