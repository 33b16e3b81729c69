using System.Reflection;
using ContactCenter.Processor.Feed;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ContactCenter.Processor.Hosting;

/// <summary>
/// What a person watches on a pod: the page at <c>/</c> (static files embedded in the assembly, no build step), the
/// topology picture it shows (<c>/topology.svg</c>, the CLI's own diagram), the live numbers its charts poll
/// (<c>/status.json</c>) and the agent feed (<see cref="AgentStreamEndpoint"/>).
/// </summary>
internal static class PodDashboard
{
    /// <summary>What the page needs besides the pod's status: the feed, the topology picture and the pod's metrics.</summary>
    public sealed record Parts(AgentFeed Feed, string TopologySvg, Func<PodMetrics?> Metrics);

    public const string Page = "/";
    public const string Status = "/status.json";
    public const string Topology = "/topology.svg";
    private const string ResourcePrefix = "page/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
    };

    public static void Map(WebApplication app, Func<PodStatus?> status, Parts parts)
    {
        var (feed, topologySvg, metrics) = parts;
        app.MapGet(Page, () => Asset("index.html"));
        app.MapGet("/assets/{name}", (string name) => Asset(name));
        app.MapGet(Topology, () => Results.Text(topologySvg, "image/svg+xml; charset=utf-8"));
        app.MapGet(Status, async () => Results.Json(await DashboardStatus.ReadAsync(status(), metrics(), feed)));
        app.MapGet(AgentStreamEndpoint.Path, (HttpContext http) => AgentStreamEndpoint.HandleAsync(http, feed));
        app.MapGet(CountStreamEndpoint.Path, (HttpContext http) => CountStreamEndpoint.HandleAsync(http, feed));
    }

    private static IResult Asset(string name)
    {
        if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var type)
            || Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + name) is not { } stream)
            return Results.NotFound();
        return Results.Stream(stream, type);
    }
}
