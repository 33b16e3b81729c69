using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using ContactCenter.Broker.Security;
using ContactCenter.Broker.Protocol;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Broker;

/// <summary>
/// One client connection: size-prefixed frames read with System.IO.Pipelines, handled one at a time in arrival order
/// (so responses go back in request order, as Kafka guarantees). A frame that cannot be answered, or a size prefix
/// that is negative or over the limit, closes this connection only. <paramref name="responseDelay"/> is failure
/// injection: how long each response waits before it is written (read per response, so a test can change it live).
/// On a TLS listener the socket is wrapped in an <see cref="SslStream"/>; on a SASL one a <see cref="SaslGate"/> lets
/// nothing but ApiVersions and the SASL exchange through until the client authenticated.
/// </summary>
internal sealed class BrokerConnection(Socket socket, ClusterState cluster, BrokerNode node, Func<TimeSpan> responseDelay,
    BrokerListenerOptions listener)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var clientHost = (socket.RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString() ?? "";
        await using var stream = await OpenStreamAsync(ct).ConfigureAwait(false);
        var sasl = listener.UsesSasl ? new SaslGate(cluster.SaslUsers!, cluster.Logger, node.Id, clientHost) : null;
        var input = PipeReader.Create(stream);
        var output = PipeWriter.Create(stream);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var read = await input.ReadAsync(ct).ConfigureAwait(false);
                var buffer = read.Buffer;
                try
                {
                    while (TryTakeFrame(ref buffer, out var rented, out var size))
                    {
                        // The frame lives in a pooled array for the length of its request: handlers copy what they
                        // keep (the log copies batches into its arena), so nothing refers to it afterwards.
                        try
                        {
                            var frame = rented.AsMemory(0, size);
                            var response = sasl is not null && sasl.Intercepts(frame.Span)
                                ? sasl.Handle(frame)
                                : await RequestDispatcher.DispatchAsync(cluster, node, frame, clientHost, ct).ConfigureAwait(false);
                            if (response is null) continue;
                            if (responseDelay() is { Ticks: > 0 } delay) await Task.Delay(delay, ct).ConfigureAwait(false);
                            foreach (var chunk in response.Frame()) output.Write(chunk.Span);
                            await output.FlushAsync(ct).ConfigureAwait(false);
                            if (sasl?.CloseAfterResponse == true) throw new CloseConnectionException("SASL authentication failed");
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(rented);
                        }
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
                if (read.IsCompleted) break;
            }
        }
        catch (MalformedRequestException) { /* close: the client sent something we cannot answer */ }
        catch (CloseConnectionException) { /* close: the only answer Kafka gives to a failed acks=0 produce */ }
        catch (System.Security.Authentication.AuthenticationException) { /* a TLS handshake that failed: nothing to answer */ }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A handler bug must cost this connection only, never the broker.
            cluster.Logger.LogWarning("Broker {Broker}: connection closed after {Error}: {Message}", node.Id, e.GetType().Name, e.Message);
        }
        finally
        {
            try { await input.CompleteAsync().ConfigureAwait(false); } catch (IOException) { } catch (ObjectDisposedException) { } catch (SocketException) { }
            try { await output.CompleteAsync().ConfigureAwait(false); } catch (IOException) { } catch (ObjectDisposedException) { } catch (SocketException) { }
        }
    }

    private async Task<Stream> OpenStreamAsync(CancellationToken ct)
    {
        var network = new NetworkStream(socket, ownsSocket: true);
        if (!listener.UsesTls) return network;
        var tls = new SslStream(network, leaveInnerStreamOpen: false);
        try
        {
            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
            handshake.CancelAfter(TimeSpan.FromSeconds(30)); // a client that never finishes its handshake must not hold the connection
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = cluster.Options.TlsCertificate,
                ClientCertificateRequired = false,
            }, handshake.Token).ConfigureAwait(false);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out byte[] frame, out int size)
    {
        frame = [];
        size = 0;
        if (buffer.Length < 4) return false;
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 8 || size > cluster.Options.MaxRequestBytes) throw new MalformedRequestException($"frame size {size}");
        if (buffer.Length < 4L + size) return false;
        frame = ArrayPool<byte>.Shared.Rent(size);
        buffer.Slice(4, size).CopyTo(frame);
        buffer = buffer.Slice(4 + size);
        return true;
    }
}
