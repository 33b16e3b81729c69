using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Tests.Broker;

/// <summary>Loopback ports nobody listens on right now, for brokers that must come back on the same ports.</summary>
internal static class FreePorts
{
    /// <summary><paramref name="count"/> consecutive free ports (a broker verb's <c>--port P</c> takes P..P+N-1).</summary>
    public static int[] Consecutive(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(20_000, 60_000);
            var ports = Enumerable.Range(first, count).ToArray();
            if (ports.All(IsFree)) return ports;
        }
        throw new InvalidOperationException($"no {count} consecutive free loopback ports found");
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
