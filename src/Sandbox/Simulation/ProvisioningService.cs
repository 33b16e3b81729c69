using System.Collections.Concurrent;
using ContactCenter.Processor.Hosting;
using ContactCenter.Processor.Workers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ContactCenter.Processor.Operations;

namespace ContactCenter.Sandbox.Simulation;

/// <summary>Behaviour of the simulated provisioning service.</summary>
internal sealed record ProvisioningServiceOptions
{
    /// <summary>How long each call takes.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Share of calls that fail with 503.</summary>
    public double FailureRate { get; init; } = 0.05;

    /// <summary>Share of those failures that happen after the agent was provisioned (the answer is lost, as when a
    /// gateway times out), so that retries meet operations the service already applied.</summary>
    public double LostAnswerShare { get; init; } = 0.5;

    public int Seed { get; init; } = 7;

    /// <summary>Port to listen on (0: any free port), on loopback.</summary>
    public int Port { get; init; }
}


/// <summary>
/// The client-side cloud's agent provisioning API as the seed's incident met it, in process (ASP.NET Core minimal API):
/// <c>POST /agents/{id}</c> with an <c>Idempotency-Key</c> header provisions the agent after the configured latency,
/// fails the configured share of calls, and refuses an operation id it has seen before with 409 Conflict (the seed's
/// downstream did, which is why retrying with the same key is safe). An agent provisioned twice under two different
/// operation ids is accepted, as the real service does, and counted as a duplicate: that is the failure to prevent.
/// <c>GET /agents</c> lists what is provisioned (what reconciliation compares against), <c>GET /stats</c> the counters.
/// </summary>
internal sealed class ProvisioningService : IAsyncDisposable, IProvisionedAgents
{
    private readonly ProvisioningServiceOptions _options;
    private readonly ConcurrentDictionary<string, string> _operations = new(StringComparer.Ordinal); // operation -> agent
    private readonly ConcurrentDictionary<string, ProvisionedAgent> _agents = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private long _calls, _failures, _conflicts, _duplicates, _inFlight, _maxInFlight;

    private ProvisioningService(ProvisioningServiceOptions options, WebApplication app)
    {
        _options = options;
        _app = app;
    }

    public string BaseUrl => PodWeb.BaseUrl(_app);

    public long Calls => Interlocked.Read(ref _calls);
    public long Failures => Interlocked.Read(ref _failures);
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Most calls the service was serving at once.</summary>
    public long MaxConcurrentCalls => Interlocked.Read(ref _maxInFlight);

    /// <summary>Agents provisioned more than once under different operation ids (must stay 0).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public int Provisioned => _agents.Count;

    public static async Task<ProvisioningService> StartAsync(ProvisioningServiceOptions options, LogLevel minimum = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.Sources.Clear();
        Logs.Configure(builder.Logging, minimum, minimum);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var service = new ProvisioningService(options, app);
        service.Map(app);
        await app.StartAsync();
        return service;
    }

    private void Map(WebApplication app)
    {
        var random = new Random(_options.Seed);
        var randomLock = new object();
        double Roll() { lock (randomLock) return random.NextDouble(); }

        app.MapPost("/agents/{id}", async (string id, HttpRequest request) =>
        {
            Interlocked.Increment(ref _calls);
            var operation = request.Headers[HttpJobEffect.IdempotencyHeader].ToString();
            if (string.IsNullOrEmpty(operation))
                return Results.Text($"missing {HttpJobEffect.IdempotencyHeader}\n", statusCode: StatusCodes.Status400BadRequest);
            var now = Interlocked.Increment(ref _inFlight);
            for (var seen = Interlocked.Read(ref _maxInFlight); now > seen; seen = Interlocked.Read(ref _maxInFlight))
                Interlocked.CompareExchange(ref _maxInFlight, now, seen);
            try
            {
                await Task.Delay(_options.Latency, request.HttpContext.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
            var roll = Roll();
            if (roll < _options.FailureRate * (1 - _options.LostAnswerShare))
            {
                Interlocked.Increment(ref _failures);
                return Results.Text("unavailable\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            if (!_operations.TryAdd(operation, id))
            {
                Interlocked.Increment(ref _conflicts);
                return Results.Text($"operation {operation} already applied\n", statusCode: StatusCodes.Status409Conflict);
            }
            var added = _agents.AddOrUpdate(id, _ => new ProvisionedAgent(id, operation, 1), (_, old) => old with { Times = old.Times + 1 });
            if (added.Times > 1) Interlocked.Increment(ref _duplicates);
            if (roll < _options.FailureRate)
            {
                // Applied, but the answer is lost.
                Interlocked.Increment(ref _failures);
                return Results.Text("gateway timeout\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
            return Results.Text("provisioned\n", statusCode: StatusCodes.Status201Created);
        });
        app.MapGet("/agents", () => Results.Json(_agents.Values.OrderBy(a => a.AgentId, StringComparer.Ordinal).ToArray(), ProvisionedAgentJson.Default.ProvisionedAgentArray));
        app.MapDelete("/agents/{id}", (string id) => Forget(id) ? Results.NoContent() : Results.NotFound());
        app.MapGet("/stats", () => Results.Json(new ProvisioningStats(Calls, Failures, Conflicts, Duplicates, Provisioned), ProvisioningJson.Default.ProvisioningStats));
    }

    public Task<IReadOnlyCollection<string>> ListAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyCollection<string>>(_agents.Keys.ToArray());

    /// <summary>Forgets an agent and its operations, as when someone deprovisions it by hand: reconciliation must
    /// provision it again.</summary>
    public bool Forget(string agentId)
    {
        foreach (var operation in _operations.Where(o => o.Value == agentId).Select(o => o.Key).ToList())
            _operations.TryRemove(operation, out _);
        return _agents.TryRemove(agentId, out _);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

internal sealed record ProvisioningStats(long Calls, long Failures, long Conflicts, long Duplicates, int Provisioned);

[System.Text.Json.Serialization.JsonSerializable(typeof(ProvisioningStats))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class ProvisioningJson : System.Text.Json.Serialization.JsonSerializerContext;
