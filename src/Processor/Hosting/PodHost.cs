using System.Net;
using System.Net.Sockets;
using ContactCenter.Processor.Kafka;
using ContactCenter.Topology.Spec;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Processor.Hosting;

/// <summary>How a <see cref="PodHost"/> logs and binds, beyond the pod's own options.</summary>
internal sealed record PodHostOptions
{
    /// <summary>Least level logged.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>Least level of Streamiz's own log lines.</summary>
    public LogLevel StreamizMinimumLevel { get; init; } = LogLevel.Warning;

    /// <summary>Listen on any free port when <see cref="HttpOptions.Port"/> is taken (the demo must not fail because
    /// another process holds 8080; a pod must, since its probes point at that port).</summary>
    public bool AnyPortWhenTaken { get; init; }
}

/// <summary>
/// The one composition root of a pod: the generic host with the <see cref="Pod"/>, one hosted service per stage (the
/// state stage registered first, so the host stops the aggregate stage first and the state stage drains what it
/// produced), and the endpoints (<c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, the page and the agent feed).
/// <c>contactcenter run</c> and the sandbox's demo both start pods through here, so the demo runs a pod's wiring.
/// </summary>
internal sealed class PodHost : IAsyncDisposable
{
    /// <summary>What disposing the web server may take of the grace period (see <see cref="Pod"/> for the other shares).</summary>
    private const double WebServerShare = 0.05;

    private readonly WebApplication _app;
    private readonly TimeSpan _gracePeriod;
    private int _disposed;

    private PodHost(WebApplication app, Pod pod, TimeSpan gracePeriod)
    {
        _app = app;
        _gracePeriod = gracePeriod;
        Pod = pod;
        BaseUrl = PodWeb.BaseUrl(app);
        Logs = app.Services.GetRequiredService<ILoggerFactory>();
    }

    public Pod Pod { get; }

    /// <summary>Where the endpoints listen, e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>The process's one logger factory (the host's).</summary>
    public ILoggerFactory Logs { get; }

    /// <summary>Cancelled when the host is asked to stop (SIGTERM, Ctrl-C, or <see cref="StopAsync"/>).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>Builds the pod and starts its host: the endpoints answer at once, the stages start in the background
    /// (<see cref="Pod.Started"/>, <see cref="Pipeline.PipelineHost.Health"/>).</summary>
    /// <exception cref="IOException">The HTTP port is taken (and <see cref="PodHostOptions.AnyPortWhenTaken"/> is off).</exception>
    public static async Task<PodHost> StartAsync(PodOptions options, KafkaClientSettings kafka, PipelineSpec spec, string topologySvg, PodHostOptions? host = null)
    {
        host ??= new PodHostOptions();
        var port = options.Http.Port;
        if (host.AnyPortWhenTaken && port != 0 && !PortIsFree(port)) port = 0;
        var builder = PodWeb.CreateBuilder(port, host.MinimumLevel, host.StreamizMinimumLevel);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.Shutdown.GracePeriod);
        builder.Services.AddSingleton(sp => new Pod(options, kafka, spec, sp.GetRequiredService<ILoggerFactory>()));
        foreach (var stage in Pod.InRegistrationOrder(options.Stages))
            builder.Services.AddSingleton<IHostedService>(sp => new StageService(sp.GetRequiredService<Pod>(), stage));
        var app = builder.Build();
        var pod = app.Services.GetRequiredService<Pod>();
        PodWeb.Map(app, () => pod.Status, new PodDashboard.Parts(pod.Feed, topologySvg, () => pod.Metrics));
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            await pod.DisposeAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new PodHost(app, pod, options.Shutdown.GracePeriod);
    }

    /// <summary>Stops the host: each stage drains within the grace period (Redis writes flushed, offsets committed).</summary>
    public Task StopAsync() => _app.StopAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await Pod.DisposeAsync().ConfigureAwait(false);
        // The host's services may hold a connection to a Redis that hangs (SIGSTOP, DEBUG SLEEP): their disposal must not
        // carry the stop past the grace period; the process ends right after this anyway.
        try
        {
            await _app.DisposeAsync().AsTask().WaitAsync(Pod.Share(_gracePeriod, WebServerShare)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Any, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
