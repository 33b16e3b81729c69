using System.Text.Json.Nodes;
using ContactCenter.Tests.Processor.Feed;
using ContactCenter.Topology.Events;
using Xunit.Abstractions;

namespace ContactCenter.Tests.Processor.Hosting;

/// <summary>
/// The pod's page in a real headless Chromium: it loads, its grid shows exactly the agents Redis holds, and a change
/// produced to a source topic reaches the grid through the whole pipeline and the feed.
/// </summary>
[Trait("Kind", "Integration")]
[Collection(PodProcessCollection.Name)]
public sealed class PodPageBrowserTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_page_shows_the_agents_from_Redis_and_a_change_produced_to_a_source_topic_appears_in_the_grid()
    {
        await using var pod = await FeedPod.StartAsync(agents: 40);
        try
        {
            await pod.ProduceAsync(150);
            await pod.SettleAsync(Deadline);
            var redis = await pod.RedisAgentsAsync();
            Assert.NotEmpty(redis);

            await using var browser = await HeadlessChromium.StartAsync();
            await browser.NavigateAsync(pod.Url + "/");
            Assert.Equal("ContactCenter Streams", (await browser.EvaluateAsync("return document.title"))?.GetValue<string>());

            // The grid holds every agent of Redis, each with Redis's status.
            const string Rows = "return [...document.querySelectorAll('#agents tbody tr')].map(r => [r.dataset.key, r.children[2].textContent])";
            var rows = await browser.WaitForAsync(Rows, r => r is JsonArray a && a.Count == redis.Count, Deadline, "the grid shows every agent of Redis");
            var shown = rows!.AsArray().ToDictionary(r => r![0]!.GetValue<string>(), r => r![1]!.GetValue<string>());
            Assert.Equal(redis.Keys.Order(), shown.Keys.Order());
            Assert.All(redis, a => Assert.Equal(a.Value.GetValueOrDefault("status", ""), shown[a.Key]));
            // The topology picture (the CLI's diagram) loaded.
            Assert.True((await browser.WaitForAsync("const i = document.getElementById('topology'); return i.complete && i.naturalWidth", n => n?.GetValue<int>() > 0,
                Deadline, "the topology picture loads"))!.GetValue<int>() > 0);

            // A change produced to the agent topic appears in the grid.
            var key = redis.Keys.Order().First();
            var agentId = key[(key.LastIndexOf(':') + 1)..];
            var status = "on-break-" + Guid.NewGuid().ToString("N")[..6];
            await pod.ProduceAgentAsync(new AgentEvent(agentId, Version: 1_000_000_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                "Agent under test", redis[key].GetValueOrDefault("tenant", "acme"), status, "online"));
            var cell = await browser.WaitForAsync($"const r = document.querySelector('#agents tbody tr[data-key=\"{key}\"]'); return r ? r.children[2].textContent : null",
                v => v?.GetValue<string>() == status, Deadline, "the produced change appears in the grid");
            Assert.Equal(status, cell!.GetValue<string>());
            var counts = await browser.WaitForAsync($"const s = document.querySelector('#status-counts span[data-status=\"{status}\"]'); return s ? s.textContent : null",
                v => v is not null, Deadline, "the per-status counts include the new status");
            Assert.Equal($"{status}: 1", counts!.GetValue<string>());
        }
        finally
        {
            output.WriteLine(pod.Process.Output);
        }
    }
}
