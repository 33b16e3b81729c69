using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// The HTTP side of a pod (and of the demo): <c>/healthz</c> (live), <c>/readyz</c> (ready, with the reason in the
/// body) and <c>/metrics</c> (Prometheus text from the <see cref="PodMetrics.MeterName"/> meter through OpenTelemetry's
/// Prometheus exporter), on one port of every interface; with <see cref="PodDashboard.Parts"/>, also the page at <c>/</c>
/// and the agent feed (<c>/agents/stream</c>).
/// </summary>
internal static class PodWeb
{
    public const string Healthz = "/healthz";
    public const string Readyz = "/readyz";
    public const string Metrics = "/metrics";

    /// <summary>A web application builder with the process's logging rules, Kestrel on <paramref name="port"/> (0: any free
    /// port) and the metrics exporter; no configuration sources of its own (the caller binds options itself).</summary>
    public static WebApplicationBuilder CreateBuilder(int port, LogLevel minimum = LogLevel.Information, LogLevel streamizMinimum = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.Sources.Clear();
        Logs.Configure(builder.Logging, minimum, streamizMinimum);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("contactcenter"))
            .WithMetrics(metrics => metrics
            .AddMeter(PodMetrics.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary>Maps the endpoints; <paramref name="status"/> is read at every request (null: not built yet).</summary>
    public static void Map(WebApplication app, Func<PodStatus?> status, PodDashboard.Parts? dashboard = null)
    {
        if (dashboard is not null)
            PodDashboard.Map(app, status, dashboard);
        app.MapGet(Healthz, () =>
        {
            if (status() is not { } pod) return Results.Text("ok: starting\n");
            var (live, reason) = pod.Liveness();
            return live ? Results.Text("ok\n") : Results.Text($"not live: {reason}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet(Readyz, async () =>
        {
            if (status() is not { } pod) return Results.Text("not ready: starting\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            var (ready, reason) = await pod.ReadinessAsync();
            return Results.Text(reason + "\n", statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapPrometheusScrapingEndpoint(Metrics);
    }

    /// <summary>Starts the endpoints for <paramref name="status"/> on <paramref name="port"/>, or on any free port when that
    /// one is taken (the demo must not fail because another process holds 8080).</summary>
    public static async Task<WebApplication> StartAsync(int port, PodStatus status, LogLevel minimum, PodDashboard.Parts? dashboard = null)
    {
        foreach (var candidate in port == 0 ? [0] : new[] { port, 0 })
        {
            var builder = CreateBuilder(candidate, minimum);
            // A taken port is expected here and handled below: the host must not log it as a failure.
            if (candidate != 0) builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
            var app = builder.Build();
            Map(app, () => status, dashboard);
            try
            {
                await app.StartAsync();
                return app;
            }
            catch (IOException) when (candidate != 0)
            {
                await app.DisposeAsync();
            }
        }
        throw new InvalidOperationException("unreachable: port 0 always binds");
    }

    /// <summary>The base URL the server listens on once started (loopback spelled out when bound to every interface).</summary>
    public static string BaseUrl(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the HTTP server has no address");
        return address.Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }
}
