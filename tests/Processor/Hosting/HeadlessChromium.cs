using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>
/// Debian's chromium driven through chromedriver's W3C WebDriver HTTP API with a plain HttpClient: a real headless
/// browser running the page's own JavaScript. Installed by <c>scripts/install-test-deps.sh</c>.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    private readonly Process _driver;
    private readonly HttpClient _http;
    private readonly string _session;

    private HeadlessChromium(Process driver, HttpClient http, string session)
    {
        _driver = driver;
        _http = http;
        _session = session;
    }

    public static async Task<HeadlessChromium> StartAsync()
    {
        if (!File.Exists(Chromium) || !File.Exists(Driver))
            throw new InvalidOperationException($"{Chromium} and {Driver} are needed: run scripts/install-test-deps.sh (Debian packages chromium, chromium-driver)");
        var port = FreePort();
        var driver = Process.Start(new ProcessStartInfo(Driver, [$"--port={port}"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        driver.OutputDataReceived += (_, _) => { };
        driver.ErrorDataReceived += (_, _) => { };
        driver.BeginOutputReadLine();
        driver.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(60) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                var status = await http.GetFromJsonAsync<JsonNode>("status");
                if (status?["value"]?["ready"]?.GetValue<bool>() == true) break;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException("chromedriver did not get ready");
            await Task.Delay(200);
        }
        var capabilities = new JsonObject
        {
            ["capabilities"] = new JsonObject
            {
                ["alwaysMatch"] = new JsonObject
                {
                    ["browserName"] = "chrome",
                    ["goog:chromeOptions"] = new JsonObject
                    {
                        ["binary"] = Chromium,
                        ["args"] = new JsonArray("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", $"--user-data-dir={Directory.CreateTempSubdirectory("cc-chromium-").FullName}"),
                    },
                },
            },
        };
        var created = await (await Post(http, "session", capabilities)).Content.ReadFromJsonAsync<JsonNode>();
        var session = created?["value"]?["sessionId"]?.GetValue<string>() ?? throw new InvalidOperationException($"no WebDriver session: {created}");
        return new HeadlessChromium(driver, http, session);
    }

    public async Task NavigateAsync(string url) =>
        (await Post(_http, $"session/{_session}/url", new JsonObject { ["url"] = url })).EnsureSuccessStatusCode();

    /// <summary>Runs <paramref name="script"/> (a function body) in the page and returns its result.</summary>
    public async Task<JsonNode?> EvaluateAsync(string script)
    {
        var response = await Post(_http, $"session/{_session}/execute/sync", new JsonObject { ["script"] = script, ["args"] = new JsonArray() });
        var body = await response.Content.ReadFromJsonAsync<JsonNode>();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"script failed: {body}");
        return body?["value"];
    }

    /// <summary>Evaluates <paramref name="script"/> until <paramref name="done"/> holds for its result or the deadline passes.</summary>
    public async Task<JsonNode?> WaitForAsync(string script, Func<JsonNode?, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = await EvaluateAsync(script);
            if (done(last)) return last;
            await Task.Delay(250);
        }
        throw new TimeoutException($"{what}: last seen {last?.ToJsonString()}");
    }

    /// <summary>chromedriver does not read chunked request bodies: the JSON goes with a Content-Length.</summary>
    private static Task<HttpResponseMessage> Post(HttpClient http, string path, JsonNode body) =>
        http.PostAsync(path, new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try { await _http.DeleteAsync($"session/{_session}"); }
        catch (HttpRequestException) { }
        _http.Dispose();
        if (!_driver.HasExited) _driver.Kill(entireProcessTree: true);
        await _driver.WaitForExitAsync();
        _driver.Dispose();
    }
}
