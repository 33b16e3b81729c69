using System.Net;
using System.Text;
using ContactCenter.Stores.Queue;
using ContactCenter.Topology.Spec;

namespace ContactCenter.Processor.Workers;

/// <summary>
/// One HTTP call per job: the topology's URL template with <c>{key}</c> replaced by the record key, the job's fields as
/// a JSON body and the job's id in <c>Idempotency-Key</c>, so a call repeated after a crash or a lost answer is
/// recognised by the service instead of applied twice.
/// </summary>
internal sealed class HttpJobEffect(HttpClient http, HttpEffectSpec spec, string? serviceBaseUrl = null) : IJobEffect
{
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly HttpMethod _method = new(spec.Method);

    public Uri UrlFor(string key)
    {
        var url = new Uri(spec.Url.Replace("{key}", Uri.EscapeDataString(key), StringComparison.Ordinal));
        if (serviceBaseUrl is null) return url;
        var baseUri = new Uri(serviceBaseUrl);
        return new UriBuilder(url) { Scheme = baseUri.Scheme, Host = baseUri.Host, Port = baseUri.Port }.Uri;
    }

    public async Task<EffectOutcome> RunAsync(LeasedJob job, JobPayload payload, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(_method, UrlFor(payload.Key))
        {
            Content = new StringContent(payload.Body(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(IdempotencyHeader, job.Id);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException error)
        {
            throw new TransientEffectException($"{spec.Method} {request.RequestUri}: {error.Message}");
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return EffectOutcome.Done;
            if (response.StatusCode == HttpStatusCode.Conflict) return EffectOutcome.AlreadyDone;
            if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
                throw new TransientEffectException($"{spec.Method} {request.RequestUri}: {status} {response.ReasonPhrase}");
            return EffectOutcome.Rejected;
        }
    }
}
