using System.Net;
using System.Net.Sockets;
using Garnet;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Sandbox.Redis;

/// <summary>
/// A Microsoft Garnet server running inside this process on 127.0.0.1, with Lua enabled and nothing persisted:
/// a Redis-compatible store for local runs, demos and tests. Lua scripts run in Garnet's transaction mode (the keys a
/// script declares are locked while it runs), which is what makes fenced writes atomic, as they are on Redis.
/// </summary>
internal sealed class EmbeddedGarnet : IDisposable
{
    private const int Attempts = 5;
    private readonly GarnetServer _server;
    private readonly string _scratchDir;

    private EmbeddedGarnet(GarnetServer server, int port, string scratchDir)
    {
        _server = server;
        Port = port;
        _scratchDir = scratchDir;
    }

    /// <summary>"127.0.0.1:port", ready for <c>RedisConnector.ConnectAsync</c>.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Starts a server on <paramref name="port"/>; 0 picks a free loopback port.</summary>
    public static EmbeddedGarnet Start(int port = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        for (var attempt = 1; ; attempt++)
        {
            // A port found free can be taken by someone else before Garnet binds it: pick another and retry.
            var chosen = port != 0 ? port : FreeLoopbackPort();
            // Garnet's log and checkpoint directories default to the current directory, and its "cleanupDir"
            // option deletes them on dispose: that deletes the process's working directory (measured). So no
            // cleanupDir; checkpoints (only on an explicit SAVE) go to a private scratch directory that we remove.
            // --logdir is refused without tiered storage, and without it nothing is written for the log.
            var scratchDir = Directory.CreateTempSubdirectory("cc-garnet-").FullName;
            GarnetServer? server = null;
            try
            {
                server = new GarnetServer(Arguments(chosen, scratchDir), NullLoggerFactory.Instance, cleanupDir: false);
                server.Start();
                return new EmbeddedGarnet(server, chosen, scratchDir);
            }
            catch (Exception error)
            {
                server?.Dispose();
                DeleteScratch(scratchDir);
                if (port == 0 && attempt < Attempts && IsAddressInUse(error))
                    continue;
                throw;
            }
        }
    }

    private static string[] Arguments(int port, string scratchDir) =>
    [
        "--bind", "127.0.0.1",
        "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--lua",
        "--lua-transaction-mode",
        // Keep the footprint small: the hash index is allocated up front (the 128 MiB default is far more than a
        // local run needs); the log grows on demand. No --aof, no checkpoint dir, no --recover: nothing is persisted.
        "--index", "16m",
        "--checkpointdir", scratchDir,
        "--disable-console-logger",
        "--logger-level", "Error",
        "-q", // no startup banner
    ];

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static bool IsAddressInUse(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                return true;
        }
        return false;
    }

    /// <summary>Stops the server and drops its data.</summary>
    public void Dispose()
    {
        _server.Dispose();
        DeleteScratch(_scratchDir);
    }

    private static void DeleteScratch(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: an empty temp directory left behind is harmless.
        }
    }
}
